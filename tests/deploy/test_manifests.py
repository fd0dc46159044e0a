"""The container and Kubernetes files, checked without a container engine: they parse, and everything they name
exists in the project (probe paths the app serves, commands it has, environment variables its settings read)."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands, load_command_class
from django.urls import Resolver404, resolve
from gunicorn.config import Config as GunicornConfig

from core.health import HealthApi, ReadyApi

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = ROOT / "Dockerfile"
# Variables the image itself sets, read by Python or Django rather than by casino/settings.
IMAGE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
WEB = ROOT / "bin" / "web"  # the web server's command, for `make serve` and the containers alike
# What a production process cannot start without (settings demand them or fall back to the embedded mode).
REQUIRED_IN_PRODUCTION = {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS"}
APP_SERVICES = ("migrate", "web", "worker", "beat", "wallet-grpc")


def _yaml_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def _k8s_objects() -> list[dict]:
    manifests = sorted(set(K8S.glob("*.yaml")) - {K8S / "kustomization.yaml"})
    return [doc for path in manifests for doc in _yaml_documents(path)]


def _of_kind(kind: str) -> list[dict]:
    return [doc for doc in _k8s_objects() if doc["kind"] == kind]


def _by_name(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _of_kind(kind)}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _pod_specs() -> dict[str, dict]:
    """Every pod template: the Deployments' and the Job's, by object name."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"] for doc in _of_kind("Deployment") + _of_kind("Job")
    }


def _app_containers() -> dict[str, dict]:
    """The containers running the backoffice image (not the gateway's)."""
    return {
        container["name"]: container
        for spec in _pod_specs().values()
        for container in spec["containers"]
        if container["image"] == "casino-backoffice"
    }


def _settings_variables() -> set[str]:
    """Every environment variable casino/settings reads (env.str("X"), env.db("X"), os.environ.get("X"),
    _required_key("X", ...)), and those bin/web reads (${X:-...})."""
    names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", WEB.read_text()))
    for path in (ROOT / "casino" / "settings").glob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))
        names |= set(re.findall(r"os\.environ(?:\.get)?[\(\[]\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))
        names |= set(re.findall(r"_required_key\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))  # keys refused when missing
    return names


def _dockerfile_stages() -> list[str]:
    return re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text(), flags=re.MULTILINE | re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ parsing


def test_every_file_is_valid_yaml_and_every_object_names_its_kind():
    objects = _k8s_objects()
    assert objects
    for doc in objects:
        assert {"apiVersion", "kind", "metadata"} <= doc.keys(), doc
        assert doc["metadata"].get("name"), doc
    services = {"postgres", "redis", "migrate", "web", "worker", "beat", "gateway", "wallet-grpc"}
    assert set(_compose()["services"]) == services


def test_kustomization_lists_files_that_exist_and_every_image_used():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    # Every manifest but the example Secret is applied; the Secret is created by the operator.
    applied = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert applied == set(kustomization["resources"])
    images = {entry["name"] for entry in kustomization["images"]}
    used = {c["image"] for spec in _pod_specs().values() for c in spec["containers"]}
    assert used <= images


def test_the_workloads_the_issue_asks_for_exist():
    deployments = _by_name("Deployment")
    assert {"casino-web", "casino-worker", "casino-beat", "casino-gateway", "casino-wallet-grpc"} <= set(deployments)
    assert "casino-migrate" in _by_name("Job")
    assert deployments["casino-beat"]["spec"]["replicas"] == 1
    assert deployments["casino-beat"]["spec"]["strategy"]["type"] == "Recreate"


def _selected(selector: dict) -> set[str]:
    """The Deployments whose pods a podSelector's matchLabels pick."""
    wanted = selector["matchLabels"].items()
    return {
        name
        for name, deployment in _by_name("Deployment").items()
        if wanted <= deployment["spec"]["template"]["metadata"]["labels"].items()
    }


def test_only_the_gateway_reaches_the_web_and_grpc_wallet_pods_on_their_own_ports():
    policies = {policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]: policy
                for policy in _of_kind("NetworkPolicy")}  # fmt: skip
    assert {"casino-web", "casino-wallet-grpc"} <= policies.keys()
    for target, policy in policies.items():
        assert _selected(policy["spec"]["podSelector"]) == {target}
        assert policy["spec"]["policyTypes"] == ["Ingress"]
        container_ports = {
            port["containerPort"]
            for container in _by_name("Deployment")[target]["spec"]["template"]["spec"]["containers"]
            for port in container.get("ports", [])
        }
        for rule in policy["spec"]["ingress"]:
            assert {port["port"] for port in rule["ports"]} <= container_ports, target
            peers = [peer for peer in rule["from"] if "namespaceSelector" not in peer]  # in this namespace
            assert set().union(*(_selected(peer["podSelector"]) for peer in peers)) == {"casino-gateway"}, target


# ------------------------------------------------------------------------------------------------ probes


def _view_class(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        pytest.fail(f"{path} is not served by the app")
    return getattr(match.func, "view_class", match.func)


def test_web_probes_are_served_by_the_app_readiness_on_ready_and_liveness_on_health():
    web = _by_name("Deployment")["casino-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert web["livenessProbe"]["httpGet"]["path"] == "/health"
    assert _view_class("/ready") is ReadyApi
    assert _view_class("/health") is HealthApi


def test_every_http_probe_resolves_names_a_declared_port_and_sends_an_allowed_host():
    allowed_hosts = _by_name("ConfigMap")["casino-config"]["data"]["ALLOWED_HOSTS"].split(",")
    probes = 0
    for container in _app_containers().values():
        port_names = {port["name"] for port in container.get("ports", [])}
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            http = container.get(kind, {}).get("httpGet")
            if not http:
                continue
            probes += 1
            assert _view_class(http["path"]) in (HealthApi, ReadyApi)
            assert http["port"] in port_names
            # The kubelet sends the pod's IP as Host unless told otherwise; Django would answer 400 to that.
            host = {h["name"]: h["value"] for h in http.get("httpHeaders", [])}.get("Host")
            assert host in allowed_hosts, f"{container['name']} {kind} Host {host!r} is not in ALLOWED_HOSTS"
    assert probes >= 2


def test_the_image_healthcheck_asks_a_path_the_app_serves():
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.*)$", DOCKERFILE.read_text(), flags=re.MULTILINE | re.DOTALL)
    paths = re.findall(r"http://127\.0\.0\.1:%s(/\w+)", healthcheck.group(1))
    assert paths == ["/health"]
    assert _view_class(paths[0]) is HealthApi


# ------------------------------------------------------------------------------------------------ wiring


def test_services_hpas_and_budgets_point_at_real_workloads():
    deployments = _by_name("Deployment")
    labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    for service in _of_kind("Service"):
        selected = [n for n, lbl in labels.items() if service["spec"]["selector"].items() <= lbl.items()]
        assert len(selected) == 1, service["metadata"]["name"]
        container_ports = {
            p["name"] for c in deployments[selected[0]]["spec"]["template"]["spec"]["containers"] for p in c["ports"]
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports
    for budget in _of_kind("PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        assert any(selector.items() <= lbl.items() for lbl in labels.values()), budget["metadata"]["name"]
    assert {b["metadata"]["name"] for b in _of_kind("PodDisruptionBudget")} >= {"casino-web", "casino-worker"}
    hpas = _of_kind("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas} >= {"casino-web", "casino-worker"}
    for hpa in hpas:
        target = deployments[hpa["spec"]["scaleTargetRef"]["name"]]
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        # Utilisation is a share of the request: without a CPU request the HPA cannot scale.
        for container in target["spec"]["template"]["spec"]["containers"]:
            assert container["resources"]["requests"]["cpu"]


def test_pods_run_as_non_root_and_take_config_and_secrets_by_reference():
    for name, spec in _pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
    for name, container in _app_containers().items():
        references = {next(iter(ref)): next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert references == {"configMapRef": "casino-config", "secretRef": "casino-secrets"}, name
        assert all("value" in variable for variable in container.get("env", [])), "secrets come by reference only"


def test_the_dockerfile_is_multi_stage_non_root_and_compose_builds_its_targets():
    text = DOCKERFILE.read_text()
    stages = _dockerfile_stages()
    assert stages[-1] == "runtime" and {"build", "gateway"} <= set(stages)
    runtime = text.split("AS runtime", 1)[1]
    user = re.search(r"^USER (\S+)", runtime, flags=re.MULTILINE).group(1)
    assert user.split(":")[0] not in ("0", "root")
    assert "COPY --from=build /opt/venv" in runtime  # the runtime stage has no build step of its own
    for name, service in _compose()["services"].items():
        if "build" in service:
            assert service["build"]["target"] in stages, name
            assert (DEPLOY / service["build"]["context"] / "Dockerfile").resolve() == DOCKERFILE
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+) ", text, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source


# ------------------------------------------------------------------------------------------------ commands


def _expand(argv: list[str]) -> list[str]:
    """The command a shell wrapper runs (`sh -c "exec ..."`), with $PORT and $HOSTNAME as a container has them."""
    if argv[:2] == ["sh", "-c"]:
        line = argv[2].replace('"$PORT"', "8000").replace("$HOSTNAME", "pod").replace("$$HOSTNAME", "pod")
        argv = shlex.split(line)
        return argv[1:] if argv[0] == "exec" else argv
    return argv


def _check_command(argv: list[str]) -> None:
    argv = _expand(argv)
    program, args = argv[0], argv[1:]
    if program == "python" and args[0] == "manage.py":
        commands = get_commands()
        assert args[1] in commands, f"manage.py has no command {args[1]!r}"
        # The command's own parser takes the options given (it raises CommandError on an unknown one).
        load_command_class(commands[args[1]], args[1]).create_parser("manage.py", args[1]).parse_args(args[2:])
    elif program == "celery":
        assert args[:2] == ["-A", "casino"]
        assert isinstance(importlib.import_module("casino.celery").app, Celery)
        command = celery_cli.commands[args[2]]
        options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        for arg in args[3:]:
            if arg.startswith("-"):
                assert arg in options, f"celery {args[2]} has no option {arg}"
    elif program == "bin/web":
        _check_web_command(args)
        return
    else:
        pytest.fail(f"unknown program {program!r} in {argv}")
    assert (ROOT / ".venv" / "bin" / program).exists() or program == "python", program


def _check_web_command(args: list[str]) -> None:
    """bin/web as a container runs it: the gunicorn command it prints parses with gunicorn's own parser, serves the
    ASGI application on the container's port on every interface."""
    assert not args and os.access(WEB, os.X_OK)
    image = dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", DOCKERFILE.read_text().split("AS runtime")[1]))
    assert image["HOST"] == "0.0.0.0"  # noqa: S104 (inside a container: the gateway reaches it over the network)
    env = {**os.environ, "HOST": image["HOST"], "PORT": image["PORT"], "WEB_WORKERS": "1"}
    printed = subprocess.run([WEB, "--print"], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert Path(printed[0]).name == "gunicorn"
    parsed = GunicornConfig().parser().parse_args(printed[1:])
    module, attribute = parsed.args[0].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert (parsed.worker_class, parsed.bind, parsed.workers) == ("asgi", ["0.0.0.0:8000"], 1)


def _all_commands() -> list[list[str]]:
    commands = []
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text().split("AS runtime", 1)[1], flags=re.MULTILINE)
    commands.append(yaml.safe_load(cmd.group(1)))
    for name in APP_SERVICES:
        commands.append(_compose()["services"][name]["command"])
    worker_health = _compose()["services"]["worker"]["healthcheck"]["test"]
    commands.append(["sh", "-c", worker_health[1]])
    for container in _app_containers().values():
        commands.append(container["command"] + container.get("args", []))
        probe = container.get("livenessProbe", {}).get("exec")
        if probe:
            commands.append(probe["command"])
    return commands


def test_every_command_exists_in_the_project():
    commands = _all_commands()
    assert len(commands) >= 10
    for argv in commands:
        _check_command(argv)


# ------------------------------------------------------------------------------------------------ environment


def test_every_variable_given_to_the_app_is_read_by_the_settings():
    read = _settings_variables() | IMAGE_VARIABLES
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "PORT"} <= read  # the reader finds them at all
    given = {}
    compose = _compose()["services"]
    for name in APP_SERVICES:
        given[f"compose {name}"] = set(compose[name]["environment"])
    given["configmap"] = set(_by_name("ConfigMap")["casino-config"]["data"])
    given["secret"] = set(_yaml_documents(K8S / "secret.example.yaml")[0]["stringData"])
    for name, container in _app_containers().items():
        given[f"container {name}"] = {variable["name"] for variable in container.get("env", [])}
    given["Dockerfile"] = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", DOCKERFILE.read_text().split("AS runtime")[1]))
    for where, names in given.items():
        assert names <= read, f"{where} sets variables no setting reads: {sorted(names - read)}"
    assert given["configmap"] | given["secret"] >= REQUIRED_IN_PRODUCTION
    assert given["compose web"] >= REQUIRED_IN_PRODUCTION


def test_every_variable_given_to_the_gateway_is_one_its_template_uses():
    templates = "".join(path.read_text() for path in (DEPLOY / "nginx").glob("*.conf.template"))
    used = set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", templates))
    assert {"NGINX_LISTEN", "NGINX_GRPC_LISTEN"} <= used  # both templates are read
    render = (DEPLOY / "nginx" / "render").read_text()
    assert used <= set(re.findall(r"\$\{(NGINX_[A-Z_]+):=", render)), "render gives every name a default"
    given = set(_compose()["services"]["gateway"]["environment"])
    gateway = _by_name("Deployment")["casino-gateway"]["spec"]["template"]["spec"]["containers"][0]
    given |= {variable["name"] for variable in gateway["env"]}
    given |= set(re.findall(r"\b(NGINX_[A-Z_]+)=", DOCKERFILE.read_text()))
    assert given <= used, sorted(given - used)


def test_the_gateways_grpc_port_leads_to_the_grpc_wallet_which_trusts_it_as_a_proxy():
    compose = _compose()["services"]
    gateway = compose["gateway"]["environment"]
    wallet_port = compose["wallet-grpc"]["command"][-1].rsplit(":", 1)[1]
    assert gateway["NGINX_GRPC_UPSTREAM"] == f"wallet-grpc:{wallet_port}"
    assert wallet_port in compose["wallet-grpc"]["expose"]
    assert f"{gateway['NGINX_GRPC_LISTEN']}:{gateway['NGINX_GRPC_LISTEN']}" in compose["gateway"]["ports"]
    assert compose["wallet-grpc"]["environment"]["WALLET_GRPC_TRUSTED_PROXY_NAMES"]

    container = _by_name("Deployment")["casino-gateway"]["spec"]["template"]["spec"]["containers"][0]
    env = {variable["name"]: variable["value"] for variable in container["env"]}
    service = _by_name("Service")["casino-wallet-grpc"]
    assert env["NGINX_GRPC_UPSTREAM"] == f"casino-wallet-grpc:{service['spec']['ports'][0]['port']}"
    assert {"name": "grpc", "containerPort": int(env["NGINX_GRPC_LISTEN"])} in container["ports"]
    assert "grpc" in {port["targetPort"] for port in _by_name("Service")["casino-gateway"]["spec"]["ports"]}
    wallet = _app_containers()["wallet-grpc"]
    assert {variable["name"] for variable in wallet["env"]} >= {"WALLET_GRPC_TRUSTED_PROXY_NAMES"}
