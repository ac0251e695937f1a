/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-sidebar-model.h"
#include "sprig-sidebar.h"

G_BEGIN_DECLS

struct _SprigSidebar
{
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkListView *list_view;
  AdwStatusPage *empty_page;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkListBox *results_list;

  SprigStore *store;
  GListStore *conversations;   /* SprigConversationItem, the store's order */
  SprigSidebarModel *groups;   /* the same with day headers, as listed */
  GtkSingleSelection *selection;
  GCancellable *refresh_cancellable;
  GCancellable *search_cancellable;
  gint64 selected_id;
  guint n_results;
  gboolean answered;           /* results for the current query are shown */
};

void     _sprig_sidebar_update_page        (SprigSidebar *self);
void     _sprig_sidebar_report_error       (SprigSidebar *self,
                                            const GError *error);
void     _sprig_sidebar_emit_hit           (SprigSidebar *self,
                                            gint64        conversation_id,
                                            gint64        message_id);

/* sprig-sidebar-search.c */
void     _sprig_sidebar_search_class_init  (GtkWidgetClass *widget_class);
void     _sprig_sidebar_search_init        (SprigSidebar   *self);
void     _sprig_sidebar_search_dispose     (SprigSidebar   *self);
gboolean _sprig_sidebar_search_has_query   (SprigSidebar   *self);
void     _sprig_sidebar_search_run         (SprigSidebar   *self);

G_END_DECLS
