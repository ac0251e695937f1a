/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "sprig-tools-page.h"

G_BEGIN_DECLS

/* On a row: its GtkSwitch. */
#define SPRIG_TOOLS_ROW_SWITCH "sprig-tool-switch"

struct _SprigToolsPage
{
  AdwPreferencesPage parent_instance;

  GSettings *settings;
  GCancellable *cancellable;   /* the running scan */
  char **dirs;                 /* NULL: sprig_tool_plugin_dirs () */
  gboolean scanned;
  GPtrArray *infos;            /* SprigToolPluginInfo listed now */
  GPtrArray *tool_rows;        /* rows (and the empty line) in the two tool groups */
  GPtrArray *servers;          /* SprigMcpServerSpec as shown */
  GPtrArray *server_rows;
  guint syncing;               /* switches being set from GSettings, not by the user */

  AdwPreferencesGroup *builtin_group;
  AdwPreferencesGroup *plugins_group;
  AdwPreferencesGroup *servers_group;
  GtkWidget *read_only_row;
  GtkSwitch *read_only_switch;
  GtkAdjustment *timeout_adjustment;
  GtkAdjustment *rounds_adjustment;
};

/* sprig-tools-page-servers.c */
void       _sprig_tools_page_servers_init   (SprigToolsPage *self);
void       _sprig_tools_page_add_server     (SprigToolsPage *self);

/* sprig-tools-page.c */
GtkWindow *_sprig_tools_page_get_window     (SprigToolsPage *self);
GtkSwitch *_sprig_tools_page_add_switch     (SprigToolsPage *self,
                                             AdwActionRow   *row,
                                             GCallback       notify_active);
void       _sprig_tools_page_set_switch     (SprigToolsPage *self,
                                             GtkSwitch      *sw,
                                             gboolean        active);

G_END_DECLS
