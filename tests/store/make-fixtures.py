#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Writes tests/store/vN.sql: a database at schema version N with sample data, as SQL that
# the migration tests load with sqlite3_exec(). Run once when a schema version is added
# (python3 tests/store/make-fixtures.py), then never regenerate an existing fixture: it
# stands for the files users already have. Needs Python's sqlite3 module only.
import re
import sqlite3
import sys
from pathlib import Path

top = Path(__file__).resolve().parents[2]
schema_c = (top / "app/store/sprig-store-schema.c").read_text()


def step_sql(n):
    block = re.search(r"static const char schema_v%d\[\] =(.*?);\n" % n, schema_c, re.S).group(1)
    return "".join(bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                   for s in re.findall(r'"((?:[^"\\]|\\.)*)"', block))


SAMPLE_V1 = """
INSERT INTO conversations VALUES (1, '中文对话', 1700000000000000, 1700000300000000, 1, 0, NULL,
  'qwen3-0.6b', '你是一个有帮助的助手。', '{"temperature":0.7,"top_p":0.8}', 4);
INSERT INTO conversations VALUES (2, 'Recette française', 1700000400000000, 1700000500000000,
  0, 1, NULL, 'qwen3-1.7b', NULL, NULL, 6);
INSERT INTO conversations VALUES (3, 'Deleted chat', 1700000600000000, 1700000600000000, 0, 0,
  1700000700000000, NULL, NULL, NULL, 7);
INSERT INTO messages VALUES (1, 1, NULL, 'user', 'complete', '什么是智慧密度？', '', NULL, NULL,
  1700000000000000, 1700000000000000, 0, 0, 0, 0);
INSERT INTO messages VALUES (2, 1, 1, 'assistant', 'complete', '智慧密度是指单位文字中的洞见。',
  '用户问了一个概念。', NULL, 'qwen3-0.6b', 1700000001000000, 1700000002000000, 9, 15, 310.5, 42.25);
INSERT INTO messages VALUES (3, 1, 1, 'assistant', 'error', '', '', 'out of memory', 'qwen3-0.6b',
  1700000003000000, 1700000003000000, 9, 0, 0, 0);
INSERT INTO messages VALUES (4, 1, 1, 'assistant', 'streaming', '重新生成的回答', '', NULL,
  'qwen3-0.6b', 1700000004000000, 1700000004000000, 0, 0, 0, 0);
INSERT INTO messages VALUES (5, 2, NULL, 'user', 'complete', 'Quelle est l''efficacité du four ?',
  '', NULL, NULL, 1700000400000000, 1700000400000000, 0, 0, 0, 0);
INSERT INTO messages VALUES (6, 2, 5, 'assistant', 'complete', 'Son efficacité dépend du modèle.',
  '', NULL, 'qwen3-1.7b', 1700000401000000, 1700000402000000, 20, 8, 200, 30);
INSERT INTO messages VALUES (7, 3, NULL, 'user', 'complete', 'gone soon', '', NULL, NULL,
  1700000600000000, 1700000600000000, 0, 0, 0, 0);
"""

SAMPLE_V2 = SAMPLE_V1 + """
INSERT INTO tool_calls VALUES (1, 6, 0, 'call-1', 'get_time', '{"tz":"Europe/Paris"}', '12:00', 0,
  1700000401500000, 1700000401600000);
INSERT INTO tool_permissions VALUES ('get_time', 'sha256:abc', 'allow', 1700000401400000);
"""

# v3 added columns to messages, so the v1 rows name theirs.
V1_MESSAGE_COLUMNS = ("id, conversation_id, parent_id, role, status, content, reasoning, error, "
                      "model_id, created_at, updated_at, prompt_tokens, completion_tokens, "
                      "prompt_per_second, tokens_per_second")
SAMPLE_V3 = SAMPLE_V2.replace("INSERT INTO messages VALUES",
                              "INSERT INTO messages (%s) VALUES" % V1_MESSAGE_COLUMNS) + """
UPDATE messages SET first_token_ms = 84.5, backend = 'cpu' WHERE id IN (2, 6);
"""
# v4 added a column to tool_calls, so the v2 row names its columns too.
V2_TOOL_CALL_COLUMNS = ("id, message_id, position, call_id, name, arguments, result, is_error, "
                        "created_at, updated_at")
SAMPLE_V4 = SAMPLE_V3.replace("INSERT INTO tool_calls VALUES",
                              "INSERT INTO tool_calls (%s) VALUES" % V2_TOOL_CALL_COLUMNS) + """
INSERT INTO tool_calls VALUES (2, 6, 1, 'call-2', 'read_file', '{"purpose":"recette"}',
  'The user denied this tool call.', 1, 1700000401700000, 1700000401800000, 'denied');
UPDATE tool_calls SET status = 'done' WHERE id = 1;
"""
SAMPLES = {1: SAMPLE_V1, 2: SAMPLE_V2, 3: SAMPLE_V3, 4: SAMPLE_V4}


def write(version, sample):
    db = sqlite3.connect(":memory:")
    for n in range(1, version + 1):
        db.executescript(step_sql(n))
    # Objects as SQLite stores them, minus the FTS5 shadow tables (their virtual table
    # recreates them), then the sample rows (the triggers fill the index).
    rows = db.execute("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                      "ORDER BY rowid").fetchall()
    fts = [r[1] for r in rows if r[2].startswith("CREATE VIRTUAL TABLE")]
    out = ["-- SPDX-License-Identifier: Apache-2.0",
           "-- Sprig store fixture: schema version %d with sample data (make-fixtures.py)." % version,
           "PRAGMA foreign_keys = OFF;", "BEGIN TRANSACTION;"]
    for type_, name, sql in rows:
        if type_ == "table" and any(name.startswith(v + "_") for v in fts):
            continue
        out.append(sql + ";")
    out.append(sample.strip())
    out.append("PRAGMA user_version = %d;" % version)
    out.append("COMMIT;")
    (top / ("tests/store/v%d.sql" % version)).write_text("\n".join(out) + "\n")


versions = [int(a) for a in sys.argv[1:]] or sorted(SAMPLES)
for v in versions:
    write(v, SAMPLES[v])
