"""kernel.testshard: how the suite's files are dealt to shards, and what the runner reads of a log."""
import subprocess
import sys

from kernel import testshard


def test_files_are_dealt_longest_first_to_the_least_loaded_shard():
    weights = {"a.py": 10.0, "b.py": 6.0, "c.py": 5.0, "d.py": 4.0}
    place = testshard.deal(["d.py", "c.py", "b.py", "a.py", "new.py"], weights, 2)
    # longest first (a new file counts 5 s; ties by name): a 10 -> 1 (10 | 0); b 6 -> 2 (10 | 6);
    # c 5 -> 2 (10 | 11); new 5 -> 1 (15 | 11); d 4 -> 2 (15 | 15)
    assert place == {"a.py": 1, "b.py": 2, "c.py": 2, "new.py": 1, "d.py": 2}
    assert testshard.deal(list(weights), weights, 2) == testshard.deal(sorted(weights, reverse=True), weights, 2)
    assert set(testshard.deal(list(weights), weights, 3).values()) == {1, 2, 3}


def test_two_shards_split_the_collection_without_overlap_or_gap():
    def collected(shard):
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", f"--shard={shard}",
                              "kernel/tests/test_csvfile.py", "kernel/tests/test_money_clock_tenancy.py",
                              "kernel/tests/test_validators_privacy.py"],
                             capture_output=True, text=True, timeout=120)
        return {line for line in out.stdout.splitlines() if "::" in line}
    one, two, whole = collected("1/2"), collected("2/2"), collected("1/1")
    assert one and two and not one & two and one | two == whole
    files = lambda ids: {i.split("::")[0] for i in ids}          # noqa: E731
    assert not files(one) & files(two)                              # whole files, never split


def test_the_runner_reads_a_shard_s_summary_and_failures():
    log = "....F\n=================================== FAILURES ===================================\n" \
          "___ test_x ___\nE   assert 1 == 2\n=== short test summary info ===\nFAILED t.py::test_x\n" \
          "1 failed, 4 passed, 3 deselected in 2.01s\n"
    assert testshard._summary(log) == "1 failed, 4 passed, 3 deselected in 2.01s"
    failures = testshard._failures(log)
    assert failures.startswith("====") and "assert 1 == 2" in failures and "FAILED t.py::test_x" in failures
    assert "...." not in failures
    assert testshard._summary("no tests ran in 0.01s") == "no tests ran in 0.01s"
