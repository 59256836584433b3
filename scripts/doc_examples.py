#!/usr/bin/env python3
"""Compiles and runs every ```cpp block of docs/api/*.md and of the README against a unimem build,
so the examples stay true. Usage: doc_examples.py BUILD_DIR; prints one line per example and
'doc examples: N passed, N failed'."""
import pathlib, re, subprocess, sys

root = pathlib.Path(__file__).resolve().parent.parent
build = pathlib.Path(sys.argv[1]).resolve()
out = build / "doc-examples"
out.mkdir(parents=True, exist_ok=True)
passed = failed = 0
for md in [root / "README.md", *sorted((root / "docs" / "api").glob("*.md"))]:
    for i, code in enumerate(re.findall(r"```cpp\n(.*?)```", md.read_text(), re.S)):
        src = out / f"{md.stem}_{i}.cpp"
        exe = out / f"{md.stem}_{i}"
        src.write_text(code)
        cc = subprocess.run(["c++", "-std=c++20", "-O1", f"-I{root}/sdk/include", str(src), str(build / "sdk" / "libunimem.a"),
                             str(build / "sdk" / "libunimem_heap.so"), f"-Wl,-rpath,{build / 'sdk'}", "-lnuma", "-lpmem2", "-lmemkind",
                             "-pthread", "-lrt", "-o", str(exe)], capture_output=True, text=True)
        run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60) if cc.returncode == 0 else None
        ok = run is not None and run.returncode == 0
        passed += ok
        failed += not ok
        print(f"doc example {md.name}#{i}: {'ok' if ok else 'FAILED'}")
        if not ok:
            print(cc.stderr[-2000:] if run is None else run.stdout + run.stderr)
print(f"doc examples: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
