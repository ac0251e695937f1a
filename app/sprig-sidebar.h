/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-store.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_SIDEBAR (sprig_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (SprigSidebar, sprig_sidebar, SPRIG, SIDEBAR, GtkWidget)

void        sprig_sidebar_set_store         (SprigSidebar *self,
                                             SprigStore   *store);
GListModel *sprig_sidebar_get_model         (SprigSidebar *self);
GListModel *sprig_sidebar_get_grouped_model (SprigSidebar *self);
void        sprig_sidebar_refresh           (SprigSidebar *self);
void        sprig_sidebar_select            (SprigSidebar *self,
                                             gint64        conversation_id);
void        sprig_sidebar_restore           (SprigSidebar *self,
                                             gint64        conversation_id);
void        sprig_sidebar_start_rename      (SprigSidebar *self,
                                             gint64        conversation_id);
gboolean    sprig_sidebar_get_search_mode   (SprigSidebar *self);
void        sprig_sidebar_set_search_mode   (SprigSidebar *self,
                                             gboolean      search_mode);
void        sprig_sidebar_start_search      (SprigSidebar *self);
void        sprig_sidebar_search            (SprigSidebar *self,
                                             const char   *text);

G_END_DECLS
