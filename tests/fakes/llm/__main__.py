"""Run one LLM provider fake as a process: for the benchmark and for independent checks.

    python -m tests.fakes.llm --kind openai --port 9101 --delay-ms 200
    python -m tests.fakes.llm --kind anthropic --port 9102 --fail-status 529

Faults can also be changed while it runs: `POST /_fake/faults`, `GET /_fake/requests`.
"""

from __future__ import annotations

import argparse

import uvicorn

from tests.fakes.llm import DEFAULT_REPLY, FAKES, Fault


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.llm", description=__doc__)
    parser.add_argument("--kind", choices=sorted(FAKES), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0, help="fixed latency of every answer")
    parser.add_argument("--chunk-delay-ms", type=float, default=0, help="between stream chunks")
    parser.add_argument("--fail-status", type=int, help="answer every request with this status")
    parser.add_argument("--retry-after", help="Retry-After value sent with --fail-status")
    parser.add_argument("--api-key", help="the only key accepted (default: any non-empty key)")
    parser.add_argument("--models", help="comma-separated models served (default: any)")
    parser.add_argument("--reply", default=DEFAULT_REPLY)
    parser.add_argument("--record-limit", type=int, default=1000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    models = args.models.split(",") if args.models else None
    fake = FAKES[args.kind](
        reply=args.reply, api_key=args.api_key, models=models, record_limit=args.record_limit
    )
    fake.faults.set_latency(args.delay_ms / 1000)
    if args.fail_status or args.chunk_delay_ms:
        fake.faults.always(
            Fault(
                status=args.fail_status,
                retry_after=args.retry_after,
                chunk_delay_s=args.chunk_delay_ms / 1000,
            )
        )
    uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
