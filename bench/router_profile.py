"""Router benchmark: a py-spy speedscope profile summarised by self time and by package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def short_path(path: str) -> str:
    """Repository-relative, `pkg/...` for site-packages, `asyncio/...` for the stdlib."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if "/lib/python3." in path:
        return path.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except (ValueError, OSError):
        return path or "?"


def frame_group(path: str) -> str:
    """What a frame belongs to: a site-package, a top-level directory of ours, or `stdlib`."""
    short = short_path(path)
    if "site-packages/" in path:
        return short.split("/", 1)[0]
    if "/lib/python3." in path:
        return "stdlib:" + short.split("/", 1)[0].removesuffix(".py")
    return short.split("/", 1)[0] + "/" if "/" in short else short


def summarize_speedscope(path: Path, top: int = 10) -> dict[str, Any]:
    """py-spy's speedscope output (stacks root first) as shares of the sampled time: by
    function for self time (the hottest line named), by function inclusive, by package."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    fn = [(f.get("name", "?"), f.get("file", "")) for f in frames]
    self_fn: Counter[tuple[str, str]] = Counter()
    self_line: Counter[int] = Counter()
    incl_fn: Counter[tuple[str, str]] = Counter()
    groups: Counter[str] = Counter()
    total, samples = 0.0, 0
    for prof in data["profiles"]:
        for stack, weight in zip(prof["samples"], prof["weights"], strict=True):
            if not stack:
                continue
            samples += 1
            total += weight
            leaf = stack[-1]
            self_fn[fn[leaf]] += weight
            self_line[leaf] += weight
            for key in {fn[i] for i in stack}:
                incl_fn[key] += weight
            groups[frame_group(fn[leaf][1])] += weight

    def hottest_line(key: tuple[str, str]) -> Any:
        lines = [(w, frames[i].get("line")) for i, w in self_line.items() if fn[i] == key]
        return max(lines)[1] if lines else None

    def row(key: tuple[str, str], weight: float, line: Any) -> dict[str, Any]:
        share = round(weight / total, 4) if total else 0.0
        return {"frame": key[0], "file": short_path(key[1]), "line": line, "share": share}

    ours = [k for k, _ in incl_fn.most_common() if frame_group(k[1]) in ("api/", "routing/")]
    return {
        "samples": samples,
        "sampled_s": round(total, 2),
        "top_self": [row(k, w, hottest_line(k)) for k, w in self_fn.most_common(top)],
        "top_inclusive": [row(k, w, None) for k, w in incl_fn.most_common(top * 4)],
        "ours_inclusive": [row(k, incl_fn[k], None) for k in ours[: top * 2]],
        "self_by_package": [
            {"package": g, "share": round(w / total, 4)} for g, w in groups.most_common(20)
        ],
    }


# -- main -----------------------------------------------------------------------------------------


def profile_gateway(
    peer_py: str,
    peer_dir: Path,
    url: str,
    key: str,
    pid: int,
    *,
    rps: float,
    seconds: int,
    out_path: Path,
    side: list[subprocess.Popen[bytes]],
) -> dict[str, Any] | None:
    """py-spy on our gateway while the peer's load.py keeps 16 requests in flight: the
    summarised profile with the load's figures, {"error"} if py-spy failed, None without it.
    The loader is listed in `side` while it runs, so the caller stops it on an interrupt."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
    if not Path(spy).exists():
        return None
    n = int(rps * (seconds + 6))
    load_cmd = [peer_py, str(peer_dir / "load.py"), "--base-url", url, "-n", str(n), "-c", "16",
                "--model", "gpt-4o-mini", "--api-key", key, "--json"]  # fmt: skip
    loader = subprocess.Popen(load_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    side.append(loader)
    time.sleep(2.0)
    rec = subprocess.run(
        [spy, "record", "-d", str(seconds), "-p", str(pid), "-o", str(out_path),
         "--format", "speedscope", "--nonblocking"],
        capture_output=True, text=True,
    )  # fmt: skip
    lo, _ = loader.communicate()
    side.remove(loader)
    if rec.returncode != 0 or not out_path.exists():
        return {"error": (rec.stderr or rec.stdout)[-1000:]}
    profile = summarize_speedscope(out_path)
    profile["file"] = str(out_path)
    profile["load"] = json.loads(lo.decode().strip().splitlines()[-1])
    return profile
