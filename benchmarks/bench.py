"""The `qotd bench` benchmark as a script: quality vs baselines, grading ROC-AUC, speed at scale.

Run: .venv/bin/python benchmarks/bench.py [--json] [--quick] [SIZE ...]
"""

from bot.bench.report import main

if __name__ == "__main__":
    main()
