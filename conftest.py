# eventlet must patch the standard library before anything else imports it.
import warnings

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402


os.environ.setdefault("WUYE_SECRET", "test-secret")
os.environ.setdefault("GATEWAY_TOKEN_SECRET", "test-token-secret-not-for-production")
pytest_plugins = ["kernel.testing", "kernel.testshard"]
