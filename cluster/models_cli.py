"""`switchboard train|runs|models|evaluate|promote|rollback`: the model lifecycle over the
HTTP API (never the database), so the same commands work against a laptop and a cluster."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, get_args

from api.registry.schemas import VERSION_PATTERN, EvaluateRequest
from api.training.schemas import TrainingRunCreate, TrainingRunRead
from cluster.client import SCOPES, ApiClient, ApiError, BadConnection, Unreachable, connect

Command = Callable[[argparse.Namespace], int]


def fail(message: str) -> NoReturn:
    """A usage or credential problem: say what to do, exit 2, no traceback."""
    print(f"switchboard: {message}", file=sys.stderr)
    raise SystemExit(2)


ApiCommand = Callable[[argparse.Namespace, ApiClient], int]
POLL_S = 2.0
LIST_PARAMS = ("labels", "c_grid")
FINISHED = ("succeeded", "failed")
SCORES = ("accuracy", "macro_f1", "ece")


def field_choices(model: Any, field: str) -> tuple[str, ...]:
    """The values the API accepts for a Literal field: the CLI offers exactly those."""
    return get_args(model.model_fields[field].annotation)


def version_number(value: str) -> str:
    if not re.fullmatch(VERSION_PATTERN, value):
        raise argparse.ArgumentTypeError("a version is a number, e.g. 3")
    return value


def param(text: str) -> tuple[str, Any]:
    """--param key=value: a JSON value when it parses (3, 1e-5, true), else the text;
    `labels` and `c_grid` take comma lists."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("use key=value, e.g. epochs=3")
    key = key.strip()
    if key in LIST_PARAMS and not raw.lstrip().startswith("["):
        items = [part.strip() for part in raw.split(",") if part.strip()]
        return key, [json_value(x) for x in items] if key == "c_grid" else items
    return key, json_value(raw)


def json_value(raw: str) -> Any:
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # a bare word: auto, none, bitext


def api_command(command: ApiCommand) -> Command:
    """Runs `command` with a client; what goes wrong becomes a message and an exit code:
    2 for the command line or the credential (fix it), 1 for the API or the network."""

    def run(args: argparse.Namespace) -> int:
        try:
            connection = connect(args.url, args.token_file)
        except BadConnection as exc:
            fail(str(exc))
        try:
            with ApiClient(connection) as api:
                return command(args, api)
        except Unreachable as exc:
            print(f"switchboard: {exc}", file=sys.stderr)
            return 1
        except ApiError as exc:
            return api_error(exc, as_json=args.json)

    return run


def api_error(exc: ApiError, *, as_json: bool) -> int:
    if as_json:
        print_json(exc.body)
    if exc.is_auth:
        fail(f"{exc.status} {exc.message}\n  hint: {auth_hint(exc)}")
    print(f"switchboard: {exc.status} {exc.message}", file=sys.stderr)
    for item in exc.details if isinstance(exc.details, list) else []:
        if isinstance(item, dict) and "msg" in item:  # a 422's field errors
            where = ".".join(str(p) for p in item.get("loc", [])[1:]) or "body"
            print(f"  {where}: {item['msg']}", file=sys.stderr)
    return 1


def auth_hint(exc: ApiError) -> str:
    if exc.status == 401:
        return "the key in SWITCHBOARD_API_KEY (or --token-file) is invalid, revoked or expired"
    needed = f"the CLI needs a key with the scopes {', '.join(SCOPES)}"
    required = exc.details.get("required") if isinstance(exc.details, dict) else None
    if required:
        return f"the key lacks {required}; {needed}"
    return f"{needed}; forcing a promotion needs an admin user's token (--token-file), not a key"


def print_json(body: Any) -> None:
    print(json.dumps(body, indent=2, sort_keys=True))


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) <= 1 else f"{value:.1f}"
    return "-" if value is None else str(value)


def print_table(headers: Sequence[str], rows: list[list[str]], indent: str = "") -> None:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(indent + "  ".join(cells).rstrip())


def print_metrics(metrics: dict[str, Any], keys: Sequence[str] | None = None) -> None:
    """Numeric metrics, one per line: `keys` in order (default: all, sorted)."""
    names = keys if keys is not None else sorted(metrics)
    shown = [k for k in names if isinstance(metrics.get(k), int | float)]
    shown = [k for k in shown if not isinstance(metrics[k], bool)]
    width = max((len(k) for k in shown), default=0)
    for key in shown:
        print(f"  {key.ljust(width)}  {number(metrics[key])}")


def headline(metrics: dict[str, Any]) -> list[str]:
    """A finished run's figures: the scores, the test and gate splits, latency, time."""
    split = sorted(k for k in metrics if k.startswith(("test_", "gate_")))
    tail = ("latency_p50_ms", "latency_p95_ms", "training_seconds")
    return [*SCORES, *split, *tail]


def cmd_train(args: argparse.Namespace, api: ApiClient) -> int:
    body = {"task": "intent", "dataset": args.dataset, "trainer": args.trainer}
    created = api.post("/api/v1/training/runs", {**body, "params": dict(args.param)})
    if args.json and not args.wait:
        print_json(created)
    elif not args.json:
        follow_hint = "" if args.wait else " (follow it: switchboard runs)"
        print(f"run {created['id']} queued{follow_hint}", flush=True)
    if not args.wait:
        return 0
    try:
        run = follow(api, created["id"], quiet=args.json)
    except KeyboardInterrupt:
        print(f"\nstopped following; run {created['id']} goes on (switchboard runs)")
        return 130
    if args.json:
        print_json(run)
    else:
        print_finished(run)
    return 0 if run["status"] == "succeeded" else 1


def follow(api: ApiClient, run_id: str, *, quiet: bool) -> dict[str, Any]:
    """Polls the run until it ends; one line each time its status, stage or progress moves."""
    seen: tuple[str, str, int] | None = None
    while True:
        run: dict[str, Any] = api.get(f"/api/v1/training/runs/{run_id}")
        state = (run["status"], run["stage"] or "", round(100 * run["progress"]))
        if state != seen and not quiet:
            print(f"  {state[0]:<9} {state[2]:>3}%  {state[1]}", flush=True)
        seen = state
        if run["status"] in FINISHED:
            return run
        time.sleep(POLL_S)


def print_finished(run: dict[str, Any]) -> None:
    if run["status"] == "failed":
        print(f"switchboard: run {run['id']} failed: {run['error']}", file=sys.stderr)
        return
    metrics = run["metrics"]
    print(f"succeeded: {run['model_name']} version {run['model_version']}, now the challenger")
    print_metrics(metrics, headline(metrics))
    print(f"promote it: switchboard promote --version {run['model_version']}")


def cmd_runs(args: argparse.Namespace, api: ApiClient) -> int:
    query = {"limit": args.limit, **({"status": args.status} if args.status else {})}
    page = api.get("/api/v1/training/runs", query)
    if args.json:
        print_json(page)
        return 0
    rows = [
        [
            r["id"],
            r["status"],
            f"{r['progress']:.0%}",
            r["dataset"],
            r["trainer"],
            r["model_version"] or "-",
            number(r["metrics"].get("accuracy")),
        ]
        for r in page["items"]
    ]
    headers = ("id", "status", "progress", "dataset", "trainer", "version", "accuracy")
    if not rows:
        print("no training runs")
        return 0
    print_table(headers, rows)
    if page.get("next_cursor"):
        print(f"(the latest {len(rows)}; --limit for more)")
    return 0


def cmd_models(args: argparse.Namespace, api: ApiClient) -> int:
    body = api.get("/api/v1/models")
    if args.json:
        print_json(body)
        return 0
    for model in body["items"]:
        champion = model["champion"] or "none (the shipped default serves)"
        print(f"{model['name']}: champion {champion}, challenger {model['challenger'] or '-'}")
        rows = [version_row(v) for v in model["versions"]]
        headers = ("version", "aliases", "dataset", "trainer", *SCORES, "p95 ms", "created")
        if rows:
            print_table(headers, rows, indent="  ")
    return 0


def version_row(version: dict[str, Any]) -> list[str]:
    metrics = version["metrics"]
    return [
        version["version"],
        ",".join(version["aliases"]) or "-",
        str(metrics.get("dataset", "-")),
        str(metrics.get("trainer", "-")),
        *(number(metrics.get(k)) for k in SCORES),
        number(metrics.get("latency_p95_ms")),
        version["created_at"][:10],
    ]


def cmd_evaluate(args: argparse.Namespace, api: ApiClient) -> int:
    body = {"version": args.version, "dataset": args.dataset, "split": args.split}
    result = api.post(f"/api/v1/models/{args.model}/evaluate", {**body, "limit": args.limit})
    if args.json:
        print_json(result)
        return 0
    print(f"{result['model']} version {result['version']} on {args.dataset} {args.split}:")
    print_metrics(result["metrics"])
    if result.get("mlflow_run_id"):
        print(f"logged to MLflow run {result['mlflow_run_id']}")
    return 0


def cmd_promote(args: argparse.Namespace, api: ApiClient) -> int:
    path = f"/api/v1/models/{args.model}/promote"
    try:
        promotion = api.post(path, {"version": args.version, "force": args.force})
    except ApiError as exc:
        if exc.status != 409:
            raise
        return refused(exc, as_json=args.json)
    if args.json:
        print_json(promotion)
        return 0
    was = promotion["from_version"] or "the shipped default"
    print(
        f"{promotion['outcome']}: {args.model} version {promotion['to_version']} "
        f"is champion (was {was})"
    )
    if promotion["reason"]:
        print(f"  {promotion['reason']}")
    print_gate(promotion["numbers"])
    return 0


def refused(exc: ApiError, *, as_json: bool) -> int:
    """The gate said no (409): the reason and the numbers it decided on."""
    if as_json:
        print_json(exc.body)
        return 1
    print(f"refused: {exc.message.removeprefix('promotion refused: ')}")
    details = exc.details if isinstance(exc.details, dict) else {}
    print_gate(details.get("numbers") or {})
    return 1


def print_gate(numbers: dict[str, Any]) -> None:
    challenger, champion = numbers.get("challenger"), numbers.get("champion")
    if not challenger:
        return  # a rollback, or a refusal before the gate ran
    metric = numbers.get("metric", "accuracy")
    split = f"{numbers.get('dataset')}, {numbers.get('gate_examples')} examples"
    print(f"gate on {metric} ({split}), margin {numbers.get('margin')}:")
    print(f"  challenger v{challenger['version']}  {number(challenger.get(metric))}")
    if champion:
        gap = float(challenger[metric]) - float(champion[metric])
        print(f"  champion   v{champion['version']}  {number(champion.get(metric))}  ({gap:+.4f})")
    limit = number(numbers.get("max_latency_p95_ms"))
    print(f"  latency p95 {number(challenger.get('latency_p95_ms'))} ms (limit {limit} ms)")


def cmd_rollback(args: argparse.Namespace, api: ApiClient) -> int:
    body = {"version": args.version} if args.version else {}
    promotion = api.post(f"/api/v1/models/{args.model}/rollback", body)
    if args.json:
        print_json(promotion)
        return 0
    print(
        f"rolled back {args.model}: champion {promotion['from_version'] or '-'} "
        f"-> {promotion['to_version']}"
    )
    return 0


def add_model_commands(sub: Any) -> None:
    """The lifecycle subcommands; each takes --url, --token-file and --json."""
    api = argparse.ArgumentParser(add_help=False)
    api.add_argument("--url", help="the API (default: $SWITCHBOARD_URL or http://127.0.0.1:8000)")
    api.add_argument(
        "--token-file", type=Path, help="a file holding the key (default: $SWITCHBOARD_API_KEY)"
    )
    api.add_argument("--json", action="store_true", help="print the API's JSON body")
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("--model", default="intent", help="the model (default: intent)")

    train = sub.add_parser("train", parents=[api], help="queue a training run")
    train.add_argument(
        "--dataset", required=True, choices=field_choices(TrainingRunCreate, "dataset")
    )
    trainers = field_choices(TrainingRunCreate, "trainer")
    train.add_argument("--trainer", default=trainers[0], choices=trainers)
    train.add_argument(
        "--param",
        type=param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training parameter, repeatable: epochs=3, ngrams=false, labels=a,b,c",
    )
    train.add_argument("--wait", action="store_true", help="follow the run until it ends")

    runs = sub.add_parser("runs", parents=[api], help="list training runs, newest first")
    runs.add_argument("--status", choices=field_choices(TrainingRunRead, "status"))
    runs.add_argument("--limit", type=int, default=50, help="at most this many (1-200)")

    sub.add_parser("models", parents=[api], help="registered models, their versions and aliases")

    evaluate = sub.add_parser(
        "evaluate", parents=[api, named], help="score a version on a public dataset"
    )
    evaluate.add_argument("--version", required=True, type=version_number)
    evaluate.add_argument(
        "--dataset", required=True, choices=field_choices(EvaluateRequest, "dataset")
    )
    evaluate.add_argument(
        "--split", default="test", choices=field_choices(EvaluateRequest, "split")
    )
    evaluate.add_argument("--limit", type=int, help="score only this many examples (10 or more)")

    promote = sub.add_parser(
        "promote", parents=[api, named], help="make a version champion, through the gate"
    )
    promote.add_argument("--version", required=True, type=version_number)
    promote.add_argument("--force", action="store_true", help="past a refusing gate (admins)")

    rollback = sub.add_parser(
        "rollback", parents=[api, named], help="move champion back (default: the previous one)"
    )
    rollback.add_argument("--version", type=version_number)


MODEL_COMMANDS: dict[str, Command] = {
    "train": api_command(cmd_train),
    "runs": api_command(cmd_runs),
    "models": api_command(cmd_models),
    "evaluate": api_command(cmd_evaluate),
    "promote": api_command(cmd_promote),
    "rollback": api_command(cmd_rollback),
}
