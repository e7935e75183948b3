"""The layout rules a newcomer relies on: a pure core, names that match domain.yml (response names: see
test_catalogue.py), no import cycle, and channels plugged into the gateway through its one list."""
import ast
from pathlib import Path

import pytest
import yaml

from actions import names

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = {"rasa", "rasa_sdk", "telegram", "slack_bolt", "slack_sdk", "aiohttp", "httpx", "sanic"}


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_framework(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FRAMEWORKS, f"{path.name} imports {imported & FRAMEWORKS}"


def _domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def test_action_and_slot_names_exist_in_the_domain():
    domain = _domain()
    assert set(names.ACTIONS) == set(domain["actions"])
    assert set(names.SLOTS) == set(domain["slots"])
    assert "forms" not in domain  # the dialogue manager asks, not Rasa forms (docs/conversation.md)


def test_every_intent_reaches_the_dialogue_manager():
    rule = yaml.safe_load((ROOT / "rules" / "converse.yml").read_text())["rules"][0]["steps"]
    routed = {step["intent"] for step in rule[0]["or"]}
    assert routed == set(_domain()["intents"]) | {"nlu_fallback"}
    assert rule[1] == {"action": names.CONVERSE}


# -- modules: no import cycle, and the gateway knows channels only through its list ---------------
LAYERED = ("bot", "actions", "channels", "cli", "rasa_ext")


def _modules() -> dict:
    """Every module of the project's packages: dotted name -> path."""
    modules = {}
    for package in LAYERED:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported(name: str, path: Path, modules: dict) -> set:
    """The project modules `name` imports: at module level, inside functions and under TYPE_CHECKING
    alike (a cycle a late import hides is still a cycle). `from package import name` is the module
    `package.name` when there is one, else the package itself."""
    def known(dotted: str):
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {known(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found |= {known(f"{base}.{alias.name}") if base else None for alias in node.names}
    return found - {None, name}


def _cycle(graph: dict):
    """One import cycle in `graph` as a list of modules (the first one again at the end), or None."""
    state, trail = {}, []

    def visit(module):
        state[module] = "open"
        trail.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                return trail[trail.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        trail.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_no_import_cycle_among_the_projects_modules():
    modules = _modules()
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    assert graph["channels.gateway"] and graph["channels.web.app"]  # the walk sees imports at all
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_is_found_wherever_its_imports_are():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_core_imports_no_outer_layer():
    modules = _modules()
    for name, path in modules.items():
        if name.split(".")[0] == "bot":
            outer = {m for m in _imported(name, path, modules) if m.split(".")[0] != "bot"}
            assert not outer, f"{name} imports {outer}"


SHARED_BY_CHANNELS = {"channels.contract", "channels.http_body", "channels.limits", "channels.rasa_client",
                      "channels.relay", "channels.router"}


def test_the_gateway_knows_each_channel_only_by_its_factory_in_the_list():
    """Adding a channel is a package and a line in `CHANNELS`: channels/gateway.py takes from a channel
    nothing but the factory it lists (no class, route or renderer of its own, no submodule)."""
    from channels.gateway import CHANNELS

    tree = ast.parse((ROOT / "channels" / "gateway.py").read_text())
    [listed] = [node.value for node in ast.walk(tree) if isinstance(node, ast.AnnAssign)
                and getattr(node.target, "id", None) == "CHANNELS"]
    factories = {element.id for element in listed.elts}
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not [a.name for a in node.names if a.name.startswith("channels")], "import channels... as a name"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("channels."):
            if node.module not in SHARED_BY_CHANNELS:
                assert node.module.count(".") == 1, f"the gateway reaches into {node.module}"
                imported.update({alias.asname or alias.name: node.module for alias in node.names})
    assert set(imported) == factories, f"not factories in CHANNELS: {set(imported) ^ factories}"
    assert [factory.__name__ for factory in CHANNELS] == [element.id for element in listed.elts]


# -- module names say their job ----------------------------------------------------------------------
# Words that name no job: a module called so could hold anything (there were three `updates.py` and
# three `stats.py`, each doing something else). Say what it does: `return_updates`, `conversation_stats`.
NAMES_OF_NO_JOB = {"updates", "stats", "utils", "util", "helpers", "misc", "common", "stuff", "tools", "lib"}


def test_no_module_is_named_by_a_word_that_says_no_job():
    vague = sorted(str(path.relative_to(ROOT)) for package in (*LAYERED, "integrations", "benchmarks")
                   for path in (ROOT / package).rglob("*.py") if path.stem in NAMES_OF_NO_JOB)
    assert not vague, f"name these modules for their job: {vague}"


# -- persistence: SQLAlchemy lives in bot/sql/ -------------------------------------------------------
# Where else it may appear, and why. Everything of returnbot's own database goes through bot/sql/.
SQLALCHEMY_ELSEWHERE = {
    # Rasa's own database (its tracker store's tables), not returnbot's: Rasa's plugin and the CLI
    # that erases or reads its conversations.
    "rasa_ext/tracker_store.py": "Rasa's tracker store plugin",
    "cli/forget.py": "erases a customer from Rasa's tracker store (its `events` table)",
    "cli/nlu_tools.py": "reads the customers' words from Rasa's tracker store",
    # Operations on the database server before the schema exists, and a test harness.
    "cli/stack.py": "creates the database on the server and names Rasa's stores from the URL",
    "cli/conversations.py": "the conversation corpus' harness resets and reads every table between runs",
}


def _imports_sqlalchemy(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def test_sqlalchemy_is_imported_only_by_the_sql_adapters():
    """At module level, inside functions and under TYPE_CHECKING alike (`import sqlalchemy as sa`
    is an import of sqlalchemy whatever it is called)."""
    found = {str(path.relative_to(ROOT)) for package in LAYERED + ("integrations",)
             for path in (ROOT / package).rglob("*.py") if _imports_sqlalchemy(path)}
    assert {p for p in found if p.startswith("bot/sql/")}, "the walk sees bot/sql/ at all"
    elsewhere = {p for p in found if not p.startswith("bot/sql/")}
    assert elsewhere <= set(SQLALCHEMY_ELSEWHERE), f"SQLAlchemy outside bot/sql/: {sorted(elsewhere - set(SQLALCHEMY_ELSEWHERE))}"
    assert set(SQLALCHEMY_ELSEWHERE) <= elsewhere | {p for p in SQLALCHEMY_ELSEWHERE if not (ROOT / p).exists()}, \
        f"no longer needed, remove from SQLALCHEMY_ELSEWHERE: {sorted(set(SQLALCHEMY_ELSEWHERE) - found)}"


def test_the_sqlalchemy_check_sees_every_way_of_importing_it(tmp_path):
    for source in ("import sqlalchemy as sa", "from sqlalchemy.engine import Engine",
                   "def f():\n    import sqlalchemy.exc", "if TYPE_CHECKING:\n    from sqlalchemy import Table"):
        (tmp_path / "m.py").write_text(source)
        assert _imports_sqlalchemy(tmp_path / "m.py"), source
    (tmp_path / "m.py").write_text("from bot.sql import schema\nimport sqlalchemy_utils_not_it")
    assert not _imports_sqlalchemy(tmp_path / "m.py")


def test_the_core_reaches_the_database_only_through_its_repositories():
    """Outside bot/sql/ and the composition root, no module of the core touches an engine."""
    for path in (ROOT / "bot").rglob("*.py"):
        relative = str(path.relative_to(ROOT))
        if relative.startswith("bot/sql/") or relative == "bot/bootstrap.py":
            continue
        code = [line for line in path.read_text().splitlines() if not line.lstrip().startswith(("from ", "import "))]
        assert not [line for line in code if ".engine" in line], f"{relative} uses an engine"


# Who may name the SQL adapters: the composition root, and bot/store.py (where `SqlStore` and
# `make_engine` are found by the CLI and tests). The rest of the core knows the repositories' Protocols.
SQL_ADAPTER_USERS = {"bot.bootstrap", "bot.store"}


def test_the_core_knows_its_repositories_not_their_sql():
    modules = _modules()
    for name, path in modules.items():
        if name.split(".")[0] == "bot" and not name.startswith("bot.sql") and name not in SQL_ADAPTER_USERS:
            adapters = {m for m in _imported(name, path, modules) if m == "bot.sql" or m.startswith("bot.sql.")}
            assert not adapters, f"{name} imports {adapters}: take a repository Protocol (bot/repositories.py)"
