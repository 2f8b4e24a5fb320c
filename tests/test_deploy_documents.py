"""archive's document storage in the deployment files (issue 11): the directory the archive
process stores documents in is a durable volume shared by its replicas -- a named Compose volume,
a ReadWriteMany claim on Kubernetes -- that the image creates for its user; the S3 settings are
real settings of archive's config."""
from __future__ import annotations

from tests.test_deploy_static import (all_config_vars, compose_app_services, dockerfile_stages, load_compose,
                                      main_container, objects_of)

STORAGE_VARS = {"ARCHIVE_STORAGE_DIR", "ARCHIVE_STORAGE_URL", "ARCHIVE_S3_ENDPOINT_URL", "ARCHIVE_S3_REGION",
                "ARCHIVE_S3_ACCESS_KEY_ID", "ARCHIVE_S3_SECRET_ACCESS_KEY"}


def test_the_storage_settings_are_archive_settings():
    assert STORAGE_VARS <= all_config_vars()


def test_compose_keeps_archive_documents_on_a_named_volume():
    compose = load_compose()
    archive = compose_app_services(compose)["archive"]
    directory = archive["environment"]["ARCHIVE_STORAGE_DIR"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in archive.get("volumes", [])}
    assert directory in mounts, "archive's storage directory must be a volume, not the container's tmpfs"
    assert mounts[directory] in compose["volumes"], "a named volume (durable across re-creations)"
    assert not any(t == directory or directory.startswith(t.rstrip("/") + "/") for t in archive.get("tmpfs", []))


def test_the_image_makes_the_storage_directory_for_its_user():
    directory = compose_app_services(load_compose())["archive"]["environment"]["ARCHIVE_STORAGE_DIR"]
    runtime = " ".join(a for i, a in dockerfile_stages()[-1][1] if i == "RUN")
    assert "mkdir -p" in runtime and directory in runtime and "chown wuye:wuye" in runtime


def test_kubernetes_mounts_a_shared_claim_at_the_storage_directory():
    archive = objects_of("Deployment")["archive"]
    container = main_container(archive)
    env = {e["name"]: e for e in container["env"]}
    directory = env["ARCHIVE_STORAGE_DIR"]["value"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == directory)
    volume = next(v for v in archive["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    claim = objects_of("PersistentVolumeClaim")[volume["persistentVolumeClaim"]["claimName"]]
    if archive["spec"].get("replicas", 1) > 1:
        assert "ReadWriteMany" in claim["spec"]["accessModes"], "every archive replica reads and writes it"
    for key in ("ARCHIVE_S3_ACCESS_KEY_ID", "ARCHIVE_S3_SECRET_ACCESS_KEY"):
        assert env[key]["valueFrom"]["secretKeyRef"].get("optional") is True
