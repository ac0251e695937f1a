/* SPDX-License-Identifier: Apache-2.0
 *
 * Picks the backends that may run a model, best first: the one the caller names, or
 * every backend plugin that can run here ordered by its probe score, then the built-in
 * reference backend. The model loader tries them in order, so a plugin that fails to
 * start (no GPU memory, a lost device) falls back to the next one. Refused plugins
 * are logged with their reason (`sprig-cli plugins` lists them too).
 */
#include "config.h"

#include "sprig/se-error.h"
#include "se-model-private.h"

typedef struct
{
  SePlugin *plugin;
  int score;
} Ranked;

static gint
by_score (gconstpointer a,
          gconstpointer b)
{
  return ((const Ranked *) b)->score - ((const Ranked *) a)->score;
}

static void
add_choice (GArray               *out,
            const SeBackendIface *iface,
            SePlugin             *plugin)
{
  SeBackendChoice c = { iface, plugin };

  g_array_append_val (out, c);
}

static void
clear_choice (gpointer data)
{
  g_clear_pointer (&((SeBackendChoice *) data)->plugin, se_plugin_free);
}

/* Moves the plugins that can run (and match @name, if given) into @out, best first.
 * @why_not receives the probe's reason when the named plugin cannot run. */
static void
rank_plugins (GPtrArray  *plugins,
              const char *name,
              GArray     *out,
              char      **why_not)
{
  g_autoptr(GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));

  for (guint i = 0; i < plugins->len; i++)
    {
      SePlugin *p = g_ptr_array_index (plugins, i);
      g_autofree char *reason = NULL;
      Ranked r = { p, 0 };

      if (name != NULL && !g_str_equal (se_plugin_get_name (p), name))
        continue;
      r.score = se_plugin_probe (p, &reason);
      if (r.score > 0)
        {
          g_array_append_val (ranked, r);
          plugins->pdata[i] = NULL;  /* now owned by @out */
        }
      else if (name != NULL)
        *why_not = g_strdup_printf ("cannot run here: %s", reason);
      else
        g_debug ("Backend plugin %s cannot run here: %s", se_plugin_get_path (p), reason);
    }
  g_array_sort (ranked, by_score);
  for (guint i = 0; i < ranked->len; i++)
    {
      SePlugin *p = g_array_index (ranked, Ranked, i).plugin;

      add_choice (out, (const SeBackendIface *) se_plugin_get_header (p), p);
    }
}

/* Returns the candidates, best first (an array of SeBackendChoice that frees its
 * plugins), or NULL with @error when a named backend cannot be had. */
GArray *
_se_backend_candidates (const char *name,
                        GError    **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (SeBackendChoice));
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plugins = NULL;
  g_autofree char *why_not = NULL;

  g_array_set_clear_func (out, clear_choice);
  if (g_strcmp0 (name, "reference") == 0)
    {
      add_choice (out, se_backend_reference (), NULL);
      return g_steal_pointer (&out);
    }
  plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, sizeof (SeBackendIface), refusals);
  for (guint i = 0; i < refusals->len; i++)
    g_message ("%s", (const char *) g_ptr_array_index (refusals, i));
  rank_plugins (plugins, name, out, &why_not);
  for (guint i = 0; i < plugins->len; i++)
    g_clear_pointer (&plugins->pdata[i], se_plugin_free);
  if (name != NULL && out->len == 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN, "The “%s” backend %s", name,
                   why_not ? why_not : "was not found (see “sprig-cli plugins”)");
      return NULL;
    }
  if (name == NULL)
    add_choice (out, se_backend_reference (), NULL);
  return g_steal_pointer (&out);
}
