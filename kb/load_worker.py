"""One worker of a cold `kb validate` in several processes (see `defectkb.cache.parallel`).

Run as a script: reads its job (one line of JSON) on stdin, prints how many files it has read as
it goes, writes its shards of the validation cache and says `ended`; one told to stay then reads
one request (the near-duplicate search) on stdin, prints its answer and exits 0.
"""

import json
import sys


def main() -> int:
    job = json.loads(sys.stdin.buffer.readline())
    sys.path[:] = job["path"]  # the parent's: the same `defectkb`, however it was found
    from defectkb.knowledgebase import fill_shards

    return fill_shards(job, sys.stdout, sys.stdin.buffer)


if __name__ == "__main__":
    sys.exit(main())
