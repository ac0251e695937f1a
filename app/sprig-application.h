/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_APPLICATION (sprig_application_get_type ())

G_DECLARE_FINAL_TYPE (SprigApplication, sprig_application, SPRIG, APPLICATION, AdwApplication)

SprigApplication *sprig_application_new (const char *application_id);

G_END_DECLS
