"""Builds a large mbox by repeating real archives: each repetition's
Message-ID, In-Reply-To and References ids get a prefix of their own, so
every copy is a distinct set of threads with the same shape.

Usage: python3 bench/mbox_scale.py OUT MESSAGES FILE...
"""

import re
import sys

ID = re.compile(rb"<([^<>\s]+)>")
THREAD_HEADERS = (b"message-id:", b"in-reply-to:", b"references:")


def messages(paths):
    """Yields each message's lines (From_ line first) of the given files."""
    for path in paths:
        current = []
        previous_blank = True
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b"From ") and previous_blank and current:
                    yield current
                    current = []
                previous_blank = line.strip() == b""
                current.append(line)
        if current:
            yield current


def rewrite(lines, rep):
    prefix = b"r%d." % rep
    out = []
    in_headers = True
    in_thread_header = False
    for i, line in enumerate(lines):
        if i > 0 and in_headers:
            if line.strip() == b"":
                in_headers = False
            elif line[:1] in (b" ", b"\t"):
                pass
            else:
                in_thread_header = line.lower().startswith(THREAD_HEADERS)
            if in_headers and in_thread_header:
                line = ID.sub(lambda m: b"<" + prefix + m.group(1) + b">", line)
        out.append(line)
    return out


def main():
    out, target, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    corpus = list(messages(paths))
    written = 0
    rep = 0
    with open(out, "wb") as f:
        while written < target:
            for lines in corpus:
                if written >= target:
                    break
                body = rewrite(lines, rep)
                if not body[-1].endswith(b"\n"):
                    body[-1] += b"\n"
                f.writelines(body)
                if body[-1].strip() != b"":
                    f.write(b"\n")
                written += 1
            rep += 1
    print(f"{written} messages, {rep} repetitions of {len(corpus)}", file=sys.stderr)


if __name__ == "__main__":
    main()
