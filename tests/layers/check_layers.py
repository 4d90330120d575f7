#!/usr/bin/env python3
"""Fails when a source file includes a layer above its own (docs/design.md).

    apps -> http, log, bench -> net, engine -> strategies -> core

Each layer may include its own headers, the public API (include/zerocopy/)
and the private headers of the layers listed for it below; nothing else of
src/. Usage: check_layers.py PROJECT_SOURCE_DIR
"""
import pathlib
import re
import sys

# layer -> the private layers (directories under src/) it may include.
ALLOWED = {
    "core": {"core"},
    "strategies": {"core", "strategies"},
    "engine": {"core", "strategies", "engine"},
    "net": {"core", "net"},
    "http": {"core", "net", "http"},
    "log": {"core", "net", "log"},
    "bench": {"core", "strategies", "engine", "bench"},
    "apps": {"core", "net", "http", "log", "bench"},
}
LAYERS = set(ALLOWED) - {"apps"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def layer_of(root: pathlib.Path, path: pathlib.Path) -> str:
    relative = path.relative_to(root).parts
    return "apps" if relative[0] == "apps" else relative[1]


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    sources = [p for d in ("src", "apps") for p in (root / d).rglob("*") if p.suffix in (".cpp", ".hpp", ".h")]
    if not sources:
        print(f"check_layers: no sources under {root}", file=sys.stderr)
        return 2
    violations = []
    for path in sources:
        layer = layer_of(root, path)
        if layer not in ALLOWED:
            violations.append(f"{path.relative_to(root)}: directory src/{layer} is not a known layer")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match or match.group(1) == "zerocopy" or match.group(1) not in LAYERS:
                continue
            if match.group(1) not in ALLOWED[layer]:
                violations.append(f"{path.relative_to(root)}:{number}: {layer} must not include "
                                  f"{match.group(1)}/ ({line.strip()})")
    for v in violations:
        print(v)
    print(f"check_layers: {len(sources)} files, {len(violations)} forbidden includes")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
