/* SPDX-License-Identifier: Apache-2.0
 *
 * The MCP Servers group of the Tools page: one row per server with its whole command
 * line (monospace, wrapped, never cut), a switch and a remove button with an undo
 * toast. A server is turned on only once its exact argv is approved: adding one, or
 * turning on one whose command is not approved, shows the consent step first, and
 * Cancel leaves it listed but off. Approval follows the argv's digest, so an edited
 * command (remove and add) asks again.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-mcp-client.h"
#include "sprig-tool-dialogs.h"
#include "sprig-tool-settings.h"
#include "sprig-tools-page-private.h"

#define ROW_INDEX "sprig-server-index"

static gboolean
same_command (const SprigMcpServerSpec *a,
              const SprigMcpServerSpec *b)
{
  return g_str_equal (a->name, b->name)
         && g_strv_equal ((const char *const *) a->argv, (const char *const *) b->argv);
}

/* What its switch shows: on, and its exact command approved. A server turned on by
 * hand in dconf, or whose command changed there, shows off. */
static gboolean
server_on (SprigToolsPage           *self,
           const SprigMcpServerSpec *spec)
{
  return spec->enabled && sprig_tool_settings_server_is_approved (self->settings, spec);
}

/* Sets the switch of the server that has @spec's name and command, in GSettings. */
static void
set_enabled (SprigToolsPage           *self,
             const SprigMcpServerSpec *spec,
             gboolean                  enabled)
{
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (self->settings);

  for (guint i = 0; i < servers->len; i++)
    {
      SprigMcpServerSpec *server = servers->pdata[i];

      if (same_command (server, spec) && server->enabled != enabled)
        {
          server->enabled = enabled;
          sprig_tool_settings_set_servers (self->settings, servers);
          return;
        }
    }
}

/* ---- consent ---- */

typedef struct
{
  SprigToolsPage *self;
  SprigMcpServerSpec *spec;
} Consent;

static void
consent_free (gpointer  data,
              GClosure *closure)
{
  Consent *consent = data;

  g_object_unref (consent->self);
  sprig_mcp_server_spec_free (consent->spec);
  g_free (consent);
}

static void
consent_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Consent          *consent)
{
  if (!g_str_equal (response, "allow"))
    return;  /* listed, not approved, off */
  sprig_tool_settings_set_server_approved (consent->self->settings, consent->spec, TRUE);
  set_enabled (consent->self, consent->spec, TRUE);
}

static void
ask_consent (SprigToolsPage           *self,
             const SprigMcpServerSpec *spec)
{
  GtkWidget *dialog = sprig_mcp_consent_dialog_new (_sprig_tools_page_get_window (self), spec);
  Consent *consent = g_new0 (Consent, 1);

  consent->self = g_object_ref (self);
  consent->spec = sprig_mcp_server_spec_new (spec->name, (const char *const *) spec->argv,
                                             spec->enabled);
  g_signal_connect_data (dialog, "response", G_CALLBACK (consent_response_cb), consent,
                         consent_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- rows ---- */

static SprigMcpServerSpec *
row_server (SprigToolsPage *self,
            GtkWidget      *child)
{
  GtkWidget *row = gtk_widget_get_ancestor (child, ADW_TYPE_ACTION_ROW);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), ROW_INDEX));

  return index < self->servers->len ? self->servers->pdata[index] : NULL;
}

static void
server_switch_cb (GtkSwitch      *sw,
                  GParamSpec     *pspec,
                  SprigToolsPage *self)
{
  SprigMcpServerSpec *spec = row_server (self, GTK_WIDGET (sw));
  gboolean active = gtk_switch_get_active (sw);

  if (self->syncing > 0 || spec == NULL || active == server_on (self, spec))
    return;
  if (active && !sprig_tool_settings_server_is_approved (self->settings, spec))
    {
      _sprig_tools_page_set_switch (self, sw, FALSE);
      ask_consent (self, spec);
      return;
    }
  set_enabled (self, spec, active);
}

typedef struct
{
  GSettings *settings;
  SprigMcpServerSpec *spec;
  guint index;
  gboolean approved;
} Removal;

static void
removal_free (gpointer  data,
              GClosure *closure)
{
  Removal *removal = data;

  g_object_unref (removal->settings);
  sprig_mcp_server_spec_free (removal->spec);
  g_free (removal);
}

static void
undo_cb (AdwToast *toast,
         Removal  *removal)
{
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (removal->settings);
  SprigMcpServerSpec *spec = removal->spec;

  for (guint i = 0; i < servers->len; i++)
    if (g_str_equal (((SprigMcpServerSpec *) servers->pdata[i])->name, spec->name))
      return;  /* added again meanwhile */
  g_ptr_array_insert (servers, MIN (removal->index, servers->len),
                      sprig_mcp_server_spec_new (spec->name, (const char *const *) spec->argv,
                                                 spec->enabled));
  if (removal->approved)
    sprig_tool_settings_set_server_approved (removal->settings, spec, TRUE);
  sprig_tool_settings_set_servers (removal->settings, servers);
}

static gboolean
command_listed (GPtrArray                *servers,
                const SprigMcpServerSpec *spec)
{
  for (guint i = 0; i < servers->len; i++)
    if (g_strv_equal ((const char *const *) ((SprigMcpServerSpec *) servers->pdata[i])->argv,
                      (const char *const *) spec->argv))
      return TRUE;
  return FALSE;
}

static void
show_undo_toast (SprigToolsPage *self,
                 Removal        *removal)
{
  GtkWindow *window = _sprig_tools_page_get_window (self);
  g_autofree char *name = g_markup_escape_text (removal->spec->name, -1);
  AdwToast *toast;

  if (!ADW_IS_PREFERENCES_WINDOW (window))
    {
      removal_free (removal, NULL);
      return;
    }
  /* TRANSLATORS: %s is the name of an MCP server */
  toast = adw_toast_new_format (_("Removed “%s”"), name);
  adw_toast_set_button_label (toast, _("_Undo"));
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_cb), removal, removal_free, 0);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (window), toast);
}

static void
remove_clicked_cb (GtkButton      *button,
                   SprigToolsPage *self)
{
  SprigMcpServerSpec *shown = row_server (self, GTK_WIDGET (button));
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (self->settings);
  Removal *removal;

  if (shown == NULL)
    return;
  for (guint i = 0; i < servers->len; i++)
    {
      SprigMcpServerSpec *spec = servers->pdata[i];

      if (!same_command (spec, shown))
        continue;
      removal = g_new0 (Removal, 1);
      removal->settings = g_object_ref (self->settings);
      removal->spec = g_ptr_array_steal_index (servers, i);
      removal->index = i;
      removal->approved = sprig_tool_settings_server_is_approved (self->settings, spec);
      /* Adding the same command again later asks again, unless another server runs it. */
      if (!command_listed (servers, spec))
        sprig_tool_settings_set_server_approved (self->settings, spec, FALSE);
      sprig_tool_settings_set_servers (self->settings, servers);
      show_undo_toast (self, removal);
      return;
    }
}

/* ---- "Show Tools": start the approved server once and say what it offers ---- */

typedef struct
{
  SprigToolsPage *self;
  GtkWidget *button;
  SprigMcpClient *client;
  char *name;
} Probe;

static void
probe_free (Probe *probe)
{
  sprig_mcp_client_stop (probe->client);
  g_object_unref (probe->client);
  g_object_unref (probe->button);
  g_object_unref (probe->self);
  g_free (probe->name);
  g_free (probe);
}

static char *
describe_tools (SprigMcpClient *client)
{
  GPtrArray *tools = sprig_mcp_client_get_tools (client);
  GString *out = g_string_new (NULL);

  /* Translators: the first %s is a protocol version such as 2025-11-25, the second the
   * name the server gives itself */
  g_string_append_printf (out, _("Speaks MCP %s as “%s”."),
                          sprig_mcp_client_get_protocol_version (client),
                          sprig_mcp_client_get_server_name (client) != NULL
                          ? sprig_mcp_client_get_server_name (client) : "?");
  g_string_append (out, "\n\n");
  if (tools == NULL || tools->len == 0)
    g_string_append (out, _("It offers no tools."));
  for (guint i = 0; tools != NULL && i < tools->len; i++)
    {
      SprigMcpTool *t = g_ptr_array_index (tools, i);

      g_string_append_printf (out, "%s• %s%s%s%s", i > 0 ? "\n" : "", t->name,
                              t->description != NULL && *t->description ? " — " : "",
                              t->description != NULL ? t->description : "",
                              t->read_only ? _(" (says it only reads)") : "");
    }
  return g_string_free (out, FALSE);
}

static void
probe_started_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = g_strdup_printf (_("Tools of “%s”"), probe->name);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (sprig_mcp_client_start_finish (probe->client, result, &error))
    body = describe_tools (probe->client);
  else
    body = g_strdup_printf (_("The server could not be started: %s"), error->message);
  gtk_widget_set_sensitive (probe->button, TRUE);
  if (gtk_widget_get_root (probe->button) != NULL)
    {
      dialog = adw_message_dialog_new (_sprig_tools_page_get_window (probe->self), heading, body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  probe_free (probe);
}

static void
show_tools_clicked_cb (GtkButton      *button,
                       SprigToolsPage *self)
{
  SprigMcpServerSpec *spec = row_server (self, GTK_WIDGET (button));
  Probe *probe;

  if (spec == NULL)
    return;
  /* Starting it is running it: the same consent as turning it on. */
  if (!sprig_tool_settings_server_is_approved (self->settings, spec))
    {
      ask_consent (self, spec);
      return;
    }
  probe = g_new0 (Probe, 1);
  probe->self = g_object_ref (self);
  probe->button = g_object_ref (GTK_WIDGET (button));
  probe->client = sprig_mcp_client_new_user_server ((const char *const *) spec->argv);
  probe->name = g_strdup (spec->name);
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  sprig_mcp_client_start_async (probe->client, NULL, probe_started_cb, probe);
}

static GtkWidget *
server_row (SprigToolsPage           *self,
            const SprigMcpServerSpec *spec,
            guint                     index)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *command = sprig_mcp_server_spec_dup_command_line (spec);
  g_autofree char *remove_label = g_strdup_printf (_("Remove “%s”"), spec->name);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *show_label = g_strdup_printf (_("Show the tools of “%s”"), spec->name);
  GtkWidget *show = gtk_button_new_from_icon_name ("view-list-bullet-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), spec->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), command);
  gtk_widget_add_css_class (row, "sprig-command-row");
  g_object_set_data (G_OBJECT (row), ROW_INDEX, GUINT_TO_POINTER (index));

  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);
  gtk_widget_add_css_class (remove, "flat");
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  gtk_widget_set_valign (show, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (show, _("Show Tools"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (show), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  show_label, -1);
  gtk_widget_add_css_class (show, "flat");
  gtk_widget_add_css_class (show, "sprig-show-tools");
  g_signal_connect_object (show, "clicked", G_CALLBACK (show_tools_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), show);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  _sprig_tools_page_set_switch (self, _sprig_tools_page_add_switch (
                                  self, ADW_ACTION_ROW (row), G_CALLBACK (server_switch_cb)),
                                server_on (self, spec));
  return row;
}

static void
rebuild_rows (SprigToolsPage *self)
{
  for (guint i = 0; i < self->server_rows->len; i++)
    adw_preferences_group_remove (self->servers_group, self->server_rows->pdata[i]);
  g_ptr_array_set_size (self->server_rows, 0);

  for (guint i = 0; i < self->servers->len; i++)
    g_ptr_array_add (self->server_rows, server_row (self, self->servers->pdata[i], i));
  if (self->servers->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("No servers added."));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      g_ptr_array_add (self->server_rows, label);
    }
  for (guint i = 0; i < self->server_rows->len; i++)
    adw_preferences_group_add (self->servers_group, self->server_rows->pdata[i]);
}

static gboolean
same_servers (GPtrArray *a,
              GPtrArray *b)
{
  if (a == NULL || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!same_command (a->pdata[i], b->pdata[i]))
      return FALSE;
  return TRUE;
}

/* Only switches change for a server turned on or off, or a command approved: the rows
 * (and the keyboard focus in them) stay. */
static void
servers_changed_cb (SprigToolsPage *self)
{
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (self->settings);
  gboolean same = same_servers (self->servers, servers);

  g_clear_pointer (&self->servers, g_ptr_array_unref);
  self->servers = g_steal_pointer (&servers);
  if (!same)
    {
      rebuild_rows (self);
      return;
    }
  for (guint i = 0; i < self->servers->len; i++)
    {
      GtkSwitch *sw = g_object_get_data (self->server_rows->pdata[i], SPRIG_TOOLS_ROW_SWITCH);

      _sprig_tools_page_set_switch (self, sw, server_on (self, self->servers->pdata[i]));
    }
}

/* ---- adding ---- */

static void
add_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 SprigToolsPage   *self)
{
  g_autoptr(SprigMcpServerSpec) spec = NULL;
  g_autoptr(GPtrArray) servers = NULL;

  if (!g_str_equal (response, "add"))
    return;
  spec = sprig_mcp_add_dialog_dup_spec (GTK_WIDGET (dialog));
  if (spec == NULL)
    return;
  /* Listed at once, off; it starts only after the consent step says Allow. */
  servers = sprig_tool_settings_get_servers (self->settings);
  g_ptr_array_add (servers, sprig_mcp_server_spec_new (spec->name,
                                                       (const char *const *) spec->argv, FALSE));
  sprig_tool_settings_set_servers (self->settings, servers);
  ask_consent (self, spec);
}

void
_sprig_tools_page_add_server (SprigToolsPage *self)
{
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (self->settings);
  GtkWidget *dialog = sprig_mcp_add_dialog_new (_sprig_tools_page_get_window (self), servers);

  g_signal_connect_data (dialog, "response", G_CALLBACK (add_response_cb), g_object_ref (self),
                         (GClosureNotify) g_object_unref, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_sprig_tools_page_servers_init (SprigToolsPage *self)
{
  self->server_rows = g_ptr_array_new ();
  g_signal_connect_swapped (self->settings, "changed::mcp-servers",
                            G_CALLBACK (servers_changed_cb), self);
  g_signal_connect_swapped (self->settings, "changed::mcp-approved-commands",
                            G_CALLBACK (servers_changed_cb), self);
  servers_changed_cb (self);
}
