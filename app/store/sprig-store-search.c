/* SPDX-License-Identifier: Apache-2.0
 *
 * Full-text search over conversation titles and message text with SQLite FTS5's trigram
 * tokenizer, which matches any substring of three or more characters in any script (CJK
 * included). Shorter queries fall back to a LIKE scan.
 */
#include "config.h"

#include "sprig-store-private.h"

#define TITLE_FTS_SQL \
  "SELECT c.id, 0, c.title, highlight (conversations_fts, 0, char (2), char (3)), " \
  "  bm25 (conversations_fts) " \
  "FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid " \
  "WHERE conversations_fts MATCH ?1 AND c.deleted_at IS NULL ORDER BY rank LIMIT ?2"

/* Messages rank by sprig_rank (below), not bm25: bm25 counts, for every phrase, all rows
 * that contain it, which for a common word means walking most of a million messages.
 * Snippets are made afterwards for the page of hits only, not for every match. */
#define MESSAGE_FTS_SQL \
  "SELECT m.conversation_id, m.id, c.title, NULL, f.score " \
  "FROM (SELECT rowid, sprig_rank (messages_fts) AS score FROM messages_fts " \
  "      WHERE messages_fts MATCH ?1) f " \
  "JOIN messages m ON m.id = f.rowid JOIN conversations c ON c.id = m.conversation_id " \
  "WHERE c.deleted_at IS NULL ORDER BY f.score, m.id DESC LIMIT ?2"

#define SNIPPET_SQL \
  "SELECT snippet (messages_fts, 0, char (2), char (3), '…', 16) FROM messages_fts " \
  "WHERE messages_fts MATCH ?1 AND rowid = ?2"

#define TITLE_LIKE_SQL \
  "SELECT id, 0, title, title, 0.0 FROM conversations " \
  "WHERE deleted_at IS NULL AND title LIKE ?1 ESCAPE '\\' " \
  "ORDER BY updated_at DESC LIMIT ?2"

#define MESSAGE_LIKE_SQL \
  "SELECT m.conversation_id, m.id, c.title, " \
  "  substr (m.content, max (1, instr (lower (m.content), lower (?3)) - 40), 120), 0.0 " \
  "FROM messages m JOIN conversations c ON c.id = m.conversation_id " \
  "WHERE c.deleted_at IS NULL AND m.content LIKE ?1 ESCAPE '\\' " \
  "ORDER BY m.id DESC LIMIT ?2"

/* bm25 without its inverse document frequency: term frequency saturated and normalized
 * by length, from statistics FTS5 keeps per row and per table. Lower is better. */
static void
sprig_rank (const Fts5ExtensionApi *api,
            Fts5Context            *fts,
            sqlite3_context        *ctx,
            int                     n_values,
            sqlite3_value         **values)
{
  sqlite3_int64 rows = 0, total = 0;
  int hits = 0, len = 0;
  double avg, norm;

  if (api->xInstCount (fts, &hits) != SQLITE_OK || api->xColumnSize (fts, 0, &len) != SQLITE_OK ||
      api->xRowCount (fts, &rows) != SQLITE_OK ||
      api->xColumnTotalSize (fts, 0, &total) != SQLITE_OK)
    {
      sqlite3_result_error (ctx, "sprig_rank: no statistics", -1);
      return;
    }
  avg = rows > 0 ? MAX ((double) total / (double) rows, 1.0) : 1.0;
  norm = 1.2 * (0.25 + 0.75 * (double) len / avg);
  sqlite3_result_double (ctx, -((double) hits / ((double) hits + norm)));
}

gboolean
_sprig_store_search_register (SprigStoreDb *db,
                              GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;
  fts5_api *api = NULL;

  _sprig_store_db_assert_worker (db);
  stmt = _sprig_store_db_prepare (db, "SELECT fts5 (?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  if (_sprig_store_db_step (db, stmt, error) < 0)
    return FALSE;
  if (api == NULL || api->iVersion < 2 ||
      api->xCreateFunction (api, "sprig_rank", NULL, sprig_rank, NULL) != SQLITE_OK)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FAILED,
                   "SQLite was built without FTS5, which Sprig needs for search");
      return FALSE;
    }
  return TRUE;
}

/* Every word becomes a quoted FTS5 phrase (so no query syntax leaks through); NULL when a
 * word is too short for trigrams. */
static char *
build_match (char **words)
{
  g_autoptr(GString) match = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *escaped = NULL;
      g_auto(GStrv) parts = NULL;

      if (words[i][0] == '\0')
        continue;
      if (g_utf8_strlen (words[i], -1) < 3)
        return NULL;
      parts = g_strsplit (words[i], "\"", -1);
      escaped = g_strjoinv ("\"\"", parts);
      g_string_append_printf (match, "%s\"%s\"", match->len ? " " : "", escaped);
    }
  return g_string_free (g_steal_pointer (&match), FALSE);
}

static char *
build_like (char **words)
{
  g_autoptr(GString) like = g_string_new ("%");

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      for (const char *p = words[i]; *p != '\0'; p++)
        {
          if (*p == '%' || *p == '_' || *p == '\\')
            g_string_append_c (like, '\\');
          g_string_append_c (like, *p);
        }
      g_string_append_c (like, '%');
    }
  return g_string_free (g_steal_pointer (&like), FALSE);
}

static gboolean
collect_hits (SprigStoreDb *db,
              const char   *sql,
              const char   *pattern,
              const char   *first_word,
              guint         limit,
              GPtrArray    *hits,
              GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db, sql, error);
  int rc = SQLITE_DONE;

  if (stmt == NULL)
    return FALSE;
  _sprig_stmt_bind_text (stmt, 1, pattern);
  sqlite3_bind_int (stmt, 2, (int) limit);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    _sprig_stmt_bind_text (stmt, 3, first_word);
  while (hits->len < limit && (rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    {
      SprigSearchHit *hit = g_new0 (SprigSearchHit, 1);

      hit->conversation_id = sqlite3_column_int64 (stmt, 0);
      hit->message_id = sqlite3_column_int64 (stmt, 1);
      hit->title = _sprig_stmt_dup_text (stmt, 2);
      hit->snippet = _sprig_stmt_dup_text (stmt, 3);
      hit->rank = sqlite3_column_double (stmt, 4);
      g_ptr_array_add (hits, hit);
    }
  return hits->len >= limit || rc == SQLITE_DONE;
}

static gboolean
add_snippets (SprigStoreDb *db,
              const char   *match,
              GPtrArray    *hits,
              GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db, SNIPPET_SQL, error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < hits->len; i++)
    {
      SprigSearchHit *hit = g_ptr_array_index (hits, i);
      int rc;

      if (hit->snippet != NULL)
        continue;
      _sprig_stmt_bind_text (stmt, 1, match);
      sqlite3_bind_int64 (stmt, 2, hit->message_id);
      rc = _sprig_store_db_step (db, stmt, error);
      if (rc < 0)
        return FALSE;
      hit->snippet = rc == SQLITE_ROW ? _sprig_stmt_dup_text (stmt, 0) : g_strdup ("");
      sqlite3_reset (stmt);
    }
  return TRUE;
}

gboolean
_sprig_store_op_search (SprigStoreDb *db,
                        gpointer      data,
                        gpointer     *result,
                        GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GPtrArray) hits = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *match = NULL;
  guint limit = (guint) args->num;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  hits = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_search_hit_free);
  words = g_strsplit_set (g_strstrip (args->text), " \t\n\r", -1);
  if (words[0] == NULL || words[0][0] == '\0')
    {
      *result = g_steal_pointer (&hits);
      return TRUE;
    }

  match = build_match (words);
  if (match != NULL)
    {
      if (!collect_hits (db, TITLE_FTS_SQL, match, NULL, limit, hits, error) ||
          !collect_hits (db, MESSAGE_FTS_SQL, match, NULL, limit, hits, error) ||
          !add_snippets (db, match, hits, error))
        return FALSE;
    }
  else
    {
      g_autofree char *like = build_like (words);

      if (!collect_hits (db, TITLE_LIKE_SQL, like, words[0], limit, hits, error) ||
          !collect_hits (db, MESSAGE_LIKE_SQL, like, words[0], limit, hits, error))
        return FALSE;
    }
  *result = g_steal_pointer (&hits);
  return TRUE;
}
