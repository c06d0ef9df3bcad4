"""``python -m bench``: run every scenario and write ``bench/results.md`` and ``.json``."""

from bench.run import main

if __name__ == "__main__":
    main()
