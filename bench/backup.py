"""RPO/RTO inputs measured on the demo data: how long `lakehouse backup create`, `verify` and `restore` take.

    python bench/backup.py [--scale 1] [--days 1] [--keep]

Builds the demo on the embedded profile in a temporary home (`lakehouse demo --scale 1 --days 1`), then
times, each as the `lakehouse` command a steward runs (CLI start-up included): backup create, backup
verify, the home moved aside, backup restore, and the first `lakehouse tables` after it (the service is
back). Writes bench/results/backup.json and prints a short table. docs/operations.md quotes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
RESULTS = ROOT / "bench" / "results" / "backup.json"


def _timed(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([LAKEHOUSE, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"lakehouse {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home and backups.")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    home, backups = work / "home", work / "backups"
    env = {
        **os.environ,
        "LAKEHOUSE_HOME": str(home),
        "LAKEHOUSE_PROFILE": "embedded",
        "LAKEHOUSE_BACKUP_DIR": str(backups),
        "LAKEHOUSE_LOG_LEVEL": "WARNING",
    }
    try:
        demo_s, _ = _timed(env, "demo", "--scale", str(options.scale), "--days", str(options.days))
        home_files, home_bytes = _size(home)
        create_s, _ = _timed(env, "backup", "create")
        (backup,) = [p for p in backups.iterdir() if p.is_dir()]
        manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
        verify_s, _ = _timed(env, "backup", "verify", backup.name)
        # The key store's part of a restore: the pseudonymisation key goes back before the data does.
        aside = work / "home-lost"
        home.rename(aside)
        (home / "secrets").mkdir(parents=True)
        shutil.copytree(aside / "secrets", home / "secrets", dirs_exist_ok=True)
        restore_s, _ = _timed(env, "backup", "restore", backup.name)
        first_query_s, _ = _timed(env, "tables")
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)

    result = {
        "benchmark": "backup create / verify / restore on the embedded demo (RPO/RTO inputs)",
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_end": list(os.getloadavg()),
        },
        "demo": {"scale": options.scale, "days": options.days, "build_seconds": round(demo_s, 1)},
        "home": {"files": home_files, "bytes": home_bytes},
        "backup": {
            "tables": len(manifest["tables"]),
            "rows": sum(t["rows"] for t in manifest["tables"]),
            "files": len(manifest["files"]),
            "bytes": sum(f["size"] for f in manifest["files"]),
        },
        "seconds": {
            "backup_create": round(create_s, 2),
            "backup_verify": round(verify_s, 2),
            "backup_restore": round(restore_s, 2),
            "first_query_after_restore": round(first_query_s, 2),
        },
        "note": "each figure is one `lakehouse` command, CLI start-up included; restore verifies first",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, seconds in result["seconds"].items():
        print(f"{name:28s} {seconds:8.2f} s")
    print(f"backup: {result['backup']}  →  {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
