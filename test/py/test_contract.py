"""The contract between the C++ side and the Python package
(py/snasio/_contract.py): what it declares is what the server reads, and a
side that disagrees stops start-up naming what differs. Also the shape the
code keeps: layers that include downwards, no import cycle in the package,
files of a readable size."""

import ast
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, SERVE, Client


def package_copy(tmp_path, edit):
    """An app dir that holds a copy of the package, its contract changed by
    `edit(text) -> text` (the app dir comes first on sys.path, so the copy is
    the one imported), and an app of one route; the flags to serve it."""
    shutil.copytree(ROOT / "py" / "snasio", tmp_path / "snasio", ignore=shutil.ignore_patterns("__pycache__"))
    contract = tmp_path / "snasio" / "_contract.py"
    changed = edit(contract.read_text())
    assert changed != contract.read_text(), "the edit changed nothing"
    contract.write_text(changed)
    (tmp_path / "app.py").write_text("from snasio import route\n\n@route('/x')\ndef x(request):\n    return 'x'\n")
    return ["--app-dir", str(tmp_path), "--module", "app"]


def start_with_package(tmp_path, edit):
    """snasio-serve over package_copy(): its exit status and stderr."""
    done = subprocess.run([str(SERVE), "--port", "0", *package_copy(tmp_path, edit)],
                          capture_output=True, text=True, timeout=30)
    return done.returncode, done.stderr


@pytest.mark.parametrize("edit, said", [
    (lambda t: t.replace("ASYNC = 1", "ASYNC = 3"), "snasio._contract.Mode.ASYNC is 3 in Python and 1 in the server"),
    (lambda t: t.replace("    CUT = 2", "    CUT = 2\n    SOON = 3"), "snasio._contract.PieceEnd.SOON is unknown to the server"),
    (lambda t: t.replace("    DRAINING = 3", ""), "snasio._contract.JobEvent has no member DRAINING"),
    (lambda t: t.replace('"_parts", "_lazy",', '"_parts", "_lazy", "_extra",'),
     "snasio._contract.REQUEST_FIELDS names '_extra', a field the server does not fill"),
    (lambda t: t.replace('"_parts", "_lazy",', '"_parts",'), "snasio.Request._lazy is not a field of its __slots__"),
    (lambda t: t.replace('    "room": "snasio._streams:room",', ""), "snasio._contract.SERVER_USES does not name 'room'"),
    (lambda t: t.replace('    "room": "snasio._streams:room",', '    "room": "snasio._streams:room",\n    "later": "x:y",'),
     "snasio._contract.SERVER_USES names 'later', which the server does not use"),
    (lambda t: t.replace('"open_stream": "snasio._streams:open_stream"', '"open_stream": "snasio._streams:gone"'),
     "cannot find snasio._streams:gone"),
    (lambda t: t.replace("    mode: Mode\n", "    how: Mode\n"), "the plan has no field 'mode'"),
])
def test_a_contract_the_server_does_not_share_stops_start_up_naming_what_differs(tmp_path, edit, said):
    status, err = start_with_package(tmp_path, edit)
    assert status == 1 and said in err, err


def test_the_contract_as_shipped_serves(tmp_path, start_server):
    # The same copy, one harmless change: it serves.
    srv = start_server(*package_copy(tmp_path, lambda t: t + "\n# a copy\n"))
    c = Client(srv)
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
    assert c.response().body == b"x"


# -- the shape of the code ---------------------------------------------------------------

SRC = ROOT / "src"
PACKAGE = ROOT / "py" / "snasio"
# What each folder of src/ may include from the others (docs/architecture.md, Layers).
MAY_INCLUDE = {"http": set(), "routing": {"http"}, "validation": {"http"}, "middleware": {"http"}, "log": set(),
               "net": {"http", "log"}, "python": {"http", "routing", "validation", "net", "log"},
               "app": {"http", "routing", "validation", "middleware", "net", "python", "log"}}


def test_layers_include_only_downwards_and_only_python_includes_python_h():
    wrong = []
    for path in SRC.rglob("*.[ch]pp"):
        parts = path.relative_to(SRC).parts
        if len(parts) == 1:
            continue  # main.cpp sits above everything
        layer = parts[0]
        if layer not in MAY_INCLUDE:
            wrong.append(f"{path.relative_to(ROOT)} is in a folder no layer rule covers")
            continue
        for included in re.findall(r'#include\s+"(\w+)/', path.read_text()):
            if included != layer and included not in MAY_INCLUDE[layer]:
                wrong.append(f"{path.relative_to(ROOT)} includes {included}/")
        if layer != "python" and re.search(r"#include\s+[<\"]Python\.h", path.read_text()):
            wrong.append(f"{path.relative_to(ROOT)} includes Python.h")
    assert not wrong, wrong


def _snasio_imports(path):
    """The package's own modules `path` imports, anywhere in it (inside
    functions too), but for imports under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("snasio.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "snasio":
            if node.module == "snasio":
                found |= {a.name for a in node.names if (PACKAGE / f"{a.name}.py").exists()}
            else:
                found.add(node.module.split(".")[1])
    return found - {path.stem}


def test_no_import_cycle_inside_the_package():
    graph = {p.stem: _snasio_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}

    def cycle_from(start, seen=()):
        for nxt in graph.get(start, ()):
            if nxt in seen:
                return [*seen, nxt]
            if (found := cycle_from(nxt, (*seen, nxt))):
                return found
        return None

    cycles = [c for name in graph if (c := cycle_from(name, (name,)))]
    assert not cycles, cycles


def test_files_stay_readable_in_size():
    too_long = [f"{p.relative_to(ROOT)}: {n} lines" for limit, paths in ((320, SRC.rglob("*.[ch]pp")),
                                                                           (420, PACKAGE.glob("*.py")))
                for p in paths if (n := len(p.read_text().splitlines())) > limit]
    assert not too_long, too_long


def test_the_package_says_it_is_typed():
    assert (PACKAGE / "py.typed").exists()
