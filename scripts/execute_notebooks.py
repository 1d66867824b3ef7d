"""Re-run notebooks top to bottom in fresh kernels and store their outputs (for maintainers).

    python scripts/execute_notebooks.py notebooks/01_what_an_llm_does.ipynb [more.ipynb ...]
    python scripts/execute_notebooks.py --all

Each notebook runs in its own process with a time limit and is retried when it hangs (executing
notebooks with widgets hangs now and then: nbconvert#1921, nbclient#312); the file is rewritten only
after a complete, error-free run. Run `bash run_tests.sh` afterwards: nbval checks the stored outputs.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _execute(path: str, cell_timeout: int) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
        record_timing=False,
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    # What JupyterLab itself writes for the default kernel: anything else marks the notebook modified on open.
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, path)


def run(path: Path, timeout: int, retries: int, cell_timeout: int) -> bool:
    for attempt in range(1, retries + 1):
        started = time.time()
        proc = mp.get_context("spawn").Process(target=_execute, args=(str(path), cell_timeout))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            print(f"  {path.name}: no answer after {timeout} s (attempt {attempt}), retrying", flush=True)
            continue
        if proc.exitcode == 0:
            print(f"  {path.name}: ok in {time.time() - started:.0f} s", flush=True)
            return True
        print(f"  {path.name}: failed (exit {proc.exitcode}); see the traceback above", flush=True)
        return False
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook in notebooks/ and notebooks/ko/")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds for a whole notebook")
    parser.add_argument("--cell-timeout", type=int, default=900)
    parser.add_argument("--retries", type=int, default=3)
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("**/*.ipynb")) if args.all else args.notebooks
    if not paths:
        parser.error("name notebooks, or --all")
    failed = [p for p in paths if not run(p, args.timeout, args.retries, args.cell_timeout)]
    if failed:
        print("failed:", ", ".join(p.name for p in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
