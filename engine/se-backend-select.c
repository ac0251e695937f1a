/* SPDX-License-Identifier: Apache-2.0
 *
 * Picks the backend that runs a model: the one the caller names, or the best-scoring
 * backend plugin that can run here, or the built-in reference backend when no plugin
 * can. Refused plugins are logged with their reason, so a user can learn why a faster
 * backend was not used (`sprig-cli plugins` lists them too).
 */
#include "config.h"

#include "sprig/se-error.h"
#include "se-model-private.h"

static void
log_refusals (GPtrArray *refusals)
{
  for (guint i = 0; i < refusals->len; i++)
    g_message ("%s", (const char *) g_ptr_array_index (refusals, i));
}

static gboolean
pick_plugin (GPtrArray  *plugins,
             const char *name,
             SePlugin  **out,
             GError    **error)
{
  SePlugin *best = NULL;
  int best_score = 0;
  g_autofree char *why_not = NULL;

  for (guint i = 0; i < plugins->len; i++)
    {
      SePlugin *p = g_ptr_array_index (plugins, i);
      g_autofree char *reason = NULL;
      int score;

      if (name != NULL && !g_str_equal (se_plugin_get_name (p), name))
        continue;
      score = se_plugin_probe (p, &reason);
      if (score <= 0 && name != NULL)
        why_not = g_strdup_printf ("cannot run here: %s", reason);
      if (score > best_score)
        {
          best = p;
          best_score = score;
        }
    }
  if (best == NULL && name != NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN, "The “%s” backend %s", name,
                   why_not ? why_not : "was not found (see “sprig-cli plugins”)");
      return FALSE;
    }
  *out = best;
  return TRUE;
}

gboolean
_se_backend_choose (const char      *name,
                    SeBackendChoice *out,
                    GError         **error)
{
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plugins = NULL;
  SePlugin *chosen = NULL;

  out->iface = se_backend_reference ();
  out->plugin = NULL;
  if (g_strcmp0 (name, "reference") == 0)
    return TRUE;

  plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, sizeof (SeBackendIface), refusals);
  log_refusals (refusals);
  if (!pick_plugin (plugins, name, &chosen, error))
    return FALSE;
  if (chosen == NULL)
    return TRUE; /* nothing better than the reference backend can run here */

  g_ptr_array_set_free_func (plugins, NULL);
  for (guint i = 0; i < plugins->len; i++)
    if (g_ptr_array_index (plugins, i) != chosen)
      se_plugin_free (g_ptr_array_index (plugins, i));
  out->plugin = chosen;
  out->iface = (const SeBackendIface *) se_plugin_get_header (chosen);
  return TRUE;
}
