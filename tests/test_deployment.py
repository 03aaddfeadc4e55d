"""The production stack that docker-compose.yml and the Dockerfile describe, parsed, not grepped."""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = (*APP_SERVICES, "proxy", "postgres", "redis")
LOCK = "requirements.lock"


# -- docker-compose.yml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def environment_of(service: dict) -> dict[str, str]:
    """A service's environment, written either as a mapping or as a list of KEY=value."""
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(entry.split("=", 1) for entry in environment)
    return environment


def argv_of(command) -> list[str]:
    """A compose command, written either as a list or as a shell-quoted string."""
    return list(command) if isinstance(command, list) else shlex.split(command)


def shell_steps(script: str) -> list[list[str]]:
    """The argv of each command in an `a && b && c` shell script."""
    return [shlex.split(step) for step in script.split("&&")]


def option_value(argv: list[str], *names: str) -> str | None:
    """The value of `--name value` or `--name=value` in argv."""
    for index, arg in enumerate(argv):
        if arg in names and index + 1 < len(argv):
            return argv[index + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def container_ports(service: dict) -> set[int]:
    """Container ports published by a service, from short ("8000:8000") or long syntax."""
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            if entry.get("published"):
                ports.add(int(entry["target"]))
        elif ":" in str(entry):
            ports.add(int(str(entry).rsplit(":", 1)[1].split("/")[0]))
    return ports


def mounts_of(service: dict) -> dict[str, str]:
    """A service's volumes as {target: source}, from short ("src:/target") or long syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, target = str(volume).split(":")[:2]
            mounts[target] = source
    return mounts


def build_context(service: dict) -> str:
    """A service's build context, written either as a path or as a mapping with `context`."""
    build = service["build"]
    return build["context"] if isinstance(build, dict) else build


def web_steps(services) -> list[list[str]]:
    argv = argv_of(services["web"]["command"])
    assert argv[:2] == ["sh", "-c"], argv
    assert len(argv) == 3, argv
    return shell_steps(argv[2])


def test_compose_runs_exactly_proxy_web_worker_beat_postgres_and_redis(services):
    assert set(services) == set(ALL_SERVICES)


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_has_an_exec_healthcheck_with_interval_timeout_and_retries(services, name):
    healthcheck = services[name]["healthcheck"]
    check = healthcheck["test"]
    assert isinstance(check, list), check
    assert check[0] in {"CMD", "CMD-SHELL"}, check
    assert len(check) > 1, check
    for duration in ("interval", "timeout"):
        assert re.fullmatch(r"\d+(ms|s|m|h)", str(healthcheck[duration])), (duration, healthcheck)
    assert isinstance(healthcheck["retries"], int), healthcheck
    assert healthcheck["retries"] > 0, healthcheck


def test_app_services_run_one_image_built_from_this_checkout(services):
    images = {(services[name]["image"], build_context(services[name])) for name in APP_SERVICES}
    assert len(images) == 1, images
    ((image, context),) = images
    assert image
    assert (ROOT / context).resolve() == ROOT


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_the_compose_postgres_with_its_credentials(services, name):
    database = urlsplit(environment_of(services[name])["DATABASE_URL"])
    postgres = environment_of(services["postgres"])
    assert database.scheme == "postgres"
    assert database.hostname == "postgres"
    assert database.port in (None, 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_the_compose_redis(services, name):
    redis = urlsplit(environment_of(services[name])["REDIS_URL"])
    assert redis.scheme == "redis"
    assert redis.hostname == "redis"
    assert redis.port in (None, 6379)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_require_a_secret_key_and_run_without_debug(services, name):
    environment = environment_of(services[name])
    # ${VAR:?message} makes compose refuse to start when VAR is unset or empty.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", environment["SECRET_KEY"])
    assert environment["DEBUG"] == "0"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_once_postgres_and_redis_are_healthy(services, name):
    depends_on = services[name]["depends_on"]
    assert isinstance(depends_on, dict), depends_on
    for dependency in ("postgres", "redis"):
        assert depends_on[dependency]["condition"] == "service_healthy", dependency


def test_web_is_reached_through_the_tls_proxy_only(services):
    # Published, web would take a client's own X-Forwarded-Proto: https as the truth.
    assert not container_ports(services["web"])
    assert "8000" in [str(port) for port in services["web"]["expose"]]
    assert {80, 443} <= container_ports(services["proxy"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_https_mode(services, name):
    environment = environment_of(services[name])
    assert environment["PORTAL_HTTPS"] == "1"
    assert environment["PORTAL_BASE_URL"].startswith("${PORTAL_BASE_URL:-https://")


def caddyfile_directives() -> dict[str, list[str]]:
    """The Caddyfile's directives (first word of each line) and their arguments."""
    directives = {}
    for line in (ROOT / "deploy" / "Caddyfile").read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] not in {"{", "}"}:
            directives.setdefault(words[0], []).append(" ".join(words[1:]))
    return directives


def test_the_proxy_terminates_tls_and_forwards_to_web(services):
    mounts = mounts_of(services["proxy"])
    assert mounts["/etc/caddy/Caddyfile"] == "./deploy/Caddyfile"
    directives = caddyfile_directives()
    assert directives["reverse_proxy"] == ["web:8000"]
    assert directives["tls"] == ["internal"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_caps_request_bodies_just_above_the_largest_upload():
    (max_size,) = caddyfile_directives()["max_size"]
    size = re.fullmatch(r"(\d+)MB", max_size)
    assert size, max_size
    cap = int(size[1]) * 1000 * 1000
    # Room for the form around the largest file, but not a second file's worth.
    assert settings.PORTAL_MAX_UPLOAD_BYTES < cap <= 1.25 * settings.PORTAL_MAX_UPLOAD_BYTES


def test_web_migrates_then_serves_the_wsgi_app_with_gunicorn_on_port_8000(services):
    steps = web_steps(services)
    commands = [argv[:3] for argv in steps]
    assert ["python", "manage.py", "migrate"] in commands, steps
    # gunicorn runs last, in the foreground, once the migrations went through.
    gunicorn = steps[-1]
    assert gunicorn[:2] == ["gunicorn", "portal.wsgi:application"], gunicorn
    assert option_value(gunicorn, "--bind", "-b") == "0.0.0.0:8000"
    assert commands.index(["python", "manage.py", "migrate"]) < len(steps) - 1


def test_worker_runs_a_celery_worker_for_the_portal_app(services):
    assert argv_of(services["worker"]["command"])[:4] == ["celery", "-A", "portal", "worker"]


def test_beat_runs_celery_beat_for_the_portal_app(services):
    assert argv_of(services["beat"]["command"])[:4] == ["celery", "-A", "portal", "beat"]


@pytest.mark.parametrize(
    ("name", "data_dir"),
    [
        ("postgres", "/var/lib/postgresql/data"),
        ("redis", "/data"),
        ("web", "/app/var/media"),
        # Caddy's local CA: a new one at each start would be a new root to trust.
        ("proxy", "/data"),
    ],
)
def test_data_lives_in_declared_named_volumes(compose, name, data_dir):
    source = mounts_of(compose["services"][name]).get(data_dir)
    assert source, f"nothing is mounted on {data_dir}"
    assert not source.startswith(("/", ".", "~")), f"{source} is a bind mount, not a named volume"
    assert source in (compose.get("volumes") or {})


def test_web_healthcheck_requests_a_page_the_portal_serves(services):
    check = services["web"]["healthcheck"]["test"]
    urls = [arg for arg in check if arg.startswith(("http://", "https://"))]
    assert len(urls) == 1, check
    url = urlsplit(urls[0])
    assert url.hostname in {"localhost", "127.0.0.1"}
    assert url.port == 8000
    try:
        resolve(url.path)
    except Resolver404:
        pytest.fail(f"the web healthcheck requests {url.path}, which no URL pattern serves")


# -- Dockerfile ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, with `\\` continuations joined."""
    instructions, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        # Docker drops blank and comment lines, also in the middle of a continued instruction.
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def run_steps(instructions) -> list[tuple[int, list[str]]]:
    """(instruction index, argv) of each `&&`-joined command of each shell-form RUN,
    without leading VAR=value assignments."""
    steps = []
    for index, (keyword, arguments) in enumerate(instructions):
        if keyword != "RUN":
            continue
        for argv in shell_steps(arguments):
            while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", argv[0]):
                argv = argv[1:]
            steps.append((index, argv))
    return steps


def pip_install_args(argv: list[str]) -> list[str] | None:
    """The arguments after `pip install` / `python -m pip install`, or None for other commands."""
    for prefix in (["pip", "install"], ["python", "-m", "pip", "install"]):
        if argv[: len(prefix)] == prefix:
            return argv[len(prefix) :]
    return None


def files_copied_before(instructions, stop: int) -> list[str]:
    """The sources of the COPY instructions before instruction `stop`."""
    return [
        source
        for keyword, arguments in instructions[:stop]
        if keyword == "COPY"
        for source in arguments.split()[:-1]
    ]


def test_dockerfile_collects_static_files_at_build_time():
    steps = [argv for _, argv in run_steps(dockerfile_instructions())]
    assert any(
        argv[:3] == ["python", "manage.py", "collectstatic"] and "--noinput" in argv
        for argv in steps
    ), steps


def test_dockerfile_starts_gunicorn_in_exec_form_on_port_8000():
    instructions = dockerfile_instructions()
    commands = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert commands, "no CMD"
    try:
        argv = json.loads(commands[-1])
    except json.JSONDecodeError:
        pytest.fail(f"CMD {commands[-1]} is in shell form, not a JSON array (exec form)")
    assert isinstance(argv, list), argv
    assert all(isinstance(arg, str) for arg in argv), argv
    assert argv[0] == "gunicorn"
    assert argv[1] == "portal.wsgi:application"
    assert option_value(argv, "--bind", "-b") == "0.0.0.0:8000"
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_runs_the_app_as_a_created_non_root_user():
    instructions = dockerfile_instructions()
    users = [arguments.split(":")[0] for keyword, arguments in instructions if keyword == "USER"]
    assert users, "no USER instruction: the container runs as root"
    assert users[-1] not in {"root", "0"}
    created = [argv[-1] for _, argv in run_steps(instructions) if argv[:1] == ["useradd"]]
    assert users[-1] in created


def test_dockerfile_installs_dependencies_with_the_locks_pins_and_hashes():
    instructions = dockerfile_instructions()
    project = instructions.index(("COPY", ". ."))
    assert LOCK in files_copied_before(instructions, project), "no lock in the dependencies layer"
    installs = [
        (index, pip_install_args(argv))
        for index, argv in run_steps(instructions)
        if pip_install_args(argv) is not None
    ]
    from_lock = [
        args
        for index, args in installs
        if index < project
        and "--require-hashes" in args
        and (
            option_value(args, "-r", "--requirement") == LOCK
            or option_value(args, "-c", "--constraint") == LOCK
        )
    ]
    assert from_lock, installs
    # After the dependencies layer the project itself adds none of its own.
    project_installs = [args for index, args in installs if index > project]
    assert project_installs
    assert all("--no-deps" in args for args in project_installs), project_installs


def test_image_and_make_install_use_the_pip_the_lock_pins():
    locked = re.search(r"^pip==(\S+)", (ROOT / LOCK).read_text(), re.MULTILINE)[1]
    makefile = re.search(r"^PIP_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert makefile[1] == locked
    dockerfile_pips = [
        arg
        for _, argv in run_steps(dockerfile_instructions())
        for arg in (pip_install_args(argv) or [])
        if arg.startswith("pip==")
    ]
    assert dockerfile_pips == [f"pip=={locked}"]
