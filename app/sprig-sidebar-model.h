/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_SIDEBAR_HEADER (sprig_sidebar_header_get_type ())

G_DECLARE_FINAL_TYPE (SprigSidebarHeader, sprig_sidebar_header, SPRIG, SIDEBAR_HEADER, GObject)

const char *sprig_sidebar_header_get_label (SprigSidebarHeader *self);

#define SPRIG_TYPE_SIDEBAR_MODEL (sprig_sidebar_model_get_type ())

G_DECLARE_FINAL_TYPE (SprigSidebarModel, sprig_sidebar_model, SPRIG, SIDEBAR_MODEL, GObject)

SprigSidebarModel *sprig_sidebar_model_new          (GListModel        *conversations);
guint              sprig_sidebar_model_get_position (SprigSidebarModel *self,
                                                     gpointer           item);
void               sprig_sidebar_model_regroup      (SprigSidebarModel *self);

G_END_DECLS
