#!/usr/bin/env python3
"""Lint (issue 19): statuses and failure classes are the enums of core/vocabulary.h.

Their wire strings appear in the product sources of src/ and apps/ only at the edges allowed below (the
vocabulary itself, JSON keys that share a word with a status); any other quoted status literal fails the
test, named file:line. Tests and test support are not product files. Words that are also ErrorCode or
bench request-error names (timeout, internal) are left out: they belong to those vocabularies too.
"""
import pathlib
import re
import sys

WORDS = ("success failed pending running cancelled deploying benchmarking completed pruned "
         "oom deploy_failed slo_violation bench_failed crashed interrupted").split()
LITERAL = re.compile(r'"(' + "|".join(WORDS) + r')"')
NOT_PRODUCT = re.compile(r"(_test\.cc|_testing\.h|_test_suite\.(cc|h)|_test_util\.h|/test_\w+\.h|_fuzz\.cc)$")

# path -> the literals that file may hold ("*": all), each an edge that is not a status of the study.
ALLOWED = {
    "src/autotuner/core/vocabulary.cc": {"*"},  # the wire names themselves
    "src/autotuner/core/vocabulary.h": {"cancelled"},  # kStopReasonCancelled, a stop reason
    "src/autotuner/core/error.cc": {"cancelled"},  # ErrorCode::kCancelled's name
    "src/autotuner/opt/outcome.cc": {"success"},  # the checkpoint's outcome JSON {status: success|infeasible}
    "src/autotuner/opt/strategy.cc": {"pending"},  # the checkpoint's key of proposals not yet told
    "src/autotuner/runner/study_publisher.cc": {"completed", "running"},  # progress event keys (counts)
    "src/autotuner/api/api_tasks.cc": {"running"},  # the summary's count of active experiments
    "src/autotuner/api/api_openapi.cc": {"success"},  # an OpenAPI response description
    "src/autotuner/sim/perf_model.cc": {"oom"},  # the simulator's own error detail kind
    "apps/autotuner/run_command.cc": {"completed", "running"},  # progress event keys read back
    "apps/autotuner/dry_run.cc": {"pruned"},  # the dry-run JSON key of a pruned candidate
}


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    bad = []
    for top in ("src", "apps"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".cc", ".h") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if NOT_PRODUCT.search(rel):
                continue
            allowed = ALLOWED.get(rel, set())
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                code = re.sub(r"(^|\s)//.*$", "", line)  # comments may name statuses
                for match in LITERAL.finditer(code):
                    if "*" not in allowed and match.group(1) not in allowed:
                        bad.append(f"{rel}:{number}: status literal {match.group(0)}: use core/vocabulary.h")
    for message in bad:
        print(message)
    if bad:
        print(f"{len(bad)} status literal(s) outside the SQL/JSON edges (scripts/check-status-literals.py)")
        return 1
    print("status literals ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
