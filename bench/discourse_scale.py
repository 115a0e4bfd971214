"""Builds a large folder of Discourse topic documents by repeating the
test forum's: each repetition's topic and post ids are shifted, so every
copy is a distinct set of topics with the same shape and users.

Usage: python3 bench/discourse_scale.py SRC_DIR OUT_DIR TOPICS
"""

import json
import os
import shutil
import sys

TOPIC_SHIFT = 1_000_000
POST_SHIFT = 100_000_000


def main():
    src, out, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
    topics = []
    for name in sorted(os.listdir(src)):
        if name.endswith(".json") and name != "categories.json":
            with open(os.path.join(src, name), encoding="utf-8") as f:
                topics.append(json.load(f))
    repetitions = max(1, -(-wanted // len(topics)))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    if os.path.exists(os.path.join(src, "categories.json")):
        shutil.copy(os.path.join(src, "categories.json"), os.path.join(out, "categories.json"))
    posts = 0
    for i in range(repetitions):
        for doc in topics:
            doc = json.loads(json.dumps(doc))
            doc["id"] += i * TOPIC_SHIFT
            stream = doc.get("post_stream", {})
            stream["stream"] = [p + i * POST_SHIFT for p in stream.get("stream", [])]
            for post in stream.get("posts", []):
                post["id"] += i * POST_SHIFT
                if "topic_id" in post:
                    post["topic_id"] = doc["id"]
                posts += 1
            with open(os.path.join(out, f"{doc['id']}.json"), "w", encoding="utf-8") as f:
                json.dump(doc, f)
    print(f"{len(topics) * repetitions} topics, {posts} posts, {repetitions} repetitions",
          file=sys.stderr)


if __name__ == "__main__":
    main()
