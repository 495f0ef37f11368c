#!/usr/bin/env python3
"""The import-loop check finds a loop and an upward import in a made-up crate, and
passes the same crate once they are gone. Run: `python3 .ci/module_graph_test.py`."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import module_graph  # noqa: E402


def write(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(text)


def problems(files, layers):
    with tempfile.TemporaryDirectory() as root:
        write(root, files)
        found, _, _ = module_graph.check_crate("demo", root, ["lib.rs"], layers)
        return found


LAYERS = [["store"], ["web"]]
BASE = {
    "lib.rs": "pub mod store;\npub mod web;\n",
    "store/mod.rs": "pub mod keys;\npub struct Db;\n",
    "store/keys.rs": "use super::Db;\npub fn key(_: &Db) {}\n",
    "web/mod.rs": "mod api;\nuse crate::store::{self, keys::key};\n",
    "web/api.rs": 'use crate::store::Db;\nconst URL: &str = "http://x//crate::web::nothing";\n',
}


def main():
    assert problems(BASE, LAYERS) == [], problems(BASE, LAYERS)
    # A child using its parent and the parent its children is not a loop.
    loop = dict(BASE, **{"store/keys.rs": "use crate::web::api::thing; // crate::web\n"})
    found = problems(loop, LAYERS)
    assert any("reaches up" in p and "store/keys.rs" in p for p in found), found
    assert any("import loop" in p for p in found) is False, found
    loop["web/api.rs"] = "use crate::store::keys::key;\npub fn thing() {}\n"
    loop["store/mod.rs"] = "pub mod keys;\npub struct Db;\n"
    found = problems(loop, [["store", "web"]])
    assert any("import loop between 2 files" in p for p in found), found
    # Names in strings, comments and tests are not imports.
    quiet = dict(BASE, **{"store/keys.rs": '/* crate::web */ const S: &str = "crate::web";\n'
                          "#[cfg(test)]\nmod tests { use crate::web::api; }\n"})
    assert problems(quiet, LAYERS) == [], problems(quiet, LAYERS)
    unplaced = dict(BASE, **{"lib.rs": "pub mod store;\npub mod web;\npub mod extra;\n", "extra.rs": ""})
    assert any("has no layer" in p for p in problems(unplaced, LAYERS))
    print("module_graph: 5 cases pass")


if __name__ == "__main__":
    main()
