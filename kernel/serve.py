"""Run one nameko service: ``python -m kernel.serve --config deploy/config/X.yaml module:Class``.

What ``nameko run`` does, plus two things production needs:

- **signals are seen at once.** Python runs a signal handler only when the main
  thread executes bytecode; an idle eventlet hub can sit in ``epoll_wait`` until
  its next timer (seen: a nameko HTTP service ignored SIGTERM for minutes). A
  pump greenlet ticks every 0.2 s, so a SIGTERM/SIGINT is acted on promptly.
- **shutdown is bounded.** A graceful stop gets ``SHUTDOWN_GRACE`` seconds
  (default 10) to let running workers finish; then the service is killed.
  Whatever was committed is safe (its events wait in the outbox); a request
  cut off mid-way rolls back and its message is redelivered.
"""
from __future__ import annotations

import warnings

# Third-party notices meant for library maintainers, not operators: eventlet announces
# its own deprecation on import, nameko's CLI module imports pkg_resources. Neither is
# actionable in a running service, so they stay out of the service's output.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="eventlet")
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import logging  # noqa: E402
import logging.config  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

import yaml  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

log = logging.getLogger("kernel.serve")


def load_config(path: str) -> dict:
    """The YAML config with ``${VAR:default}`` expanded, as nameko does."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path) as fh:
        return yaml.safe_load(fh) or {}


def import_service(target: str):
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def serve(config: dict, service_cls, grace: float, instance: str | None = None) -> int:
    runner = ServiceRunner(config)
    runner.add_service(service_cls)
    requested: list[int] = []

    def on_signal(signum, _frame):
        # runs in whatever greenlet the interpreter is in: only set a flag here
        requested.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    log.info("serving %s%s (pid %d)", service_cls.name, f" as {instance}" if instance else "", os.getpid())
    running = eventlet.spawn(runner.wait)
    while not requested and not running.dead:
        eventlet.sleep(0.2)
    if running.dead:                      # a container died on its own
        running.wait()
        return 1
    log.info("%s: stopping (signal %s), up to %.0fs for running work", service_cls.name,
             requested[0], grace)
    try:
        with eventlet.Timeout(grace):
            runner.stop()
    except eventlet.Timeout:
        log.warning("%s: did not stop within %.0fs; killing it", service_cls.name, grace)
        runner.kill()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernel.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="nameko YAML config")
    parser.add_argument("target", help="module:Class of the service")
    parser.add_argument("--instance", default=None,
                        help="this process's name among several of the service (gateway-2): shown by "
                             "ps and in the start line of its log")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if "LOGGING" in config:
        logging.config.dictConfig(config["LOGGING"])
    else:
        logging.basicConfig(level=logging.INFO)
    from .logs import install as install_log_filters
    install_log_filters()       # expected refusals on one line, no traceback
    return serve(config, import_service(args.target), float(config.get("SHUTDOWN_GRACE", 10)),
                 instance=args.instance)


if __name__ == "__main__":
    sys.exit(main())
