/* SPDX-License-Identifier: Apache-2.0
 *
 * What se-session.c needs from se-model.c.
 */
#pragma once

#include "sprig/se-backend.h"
#include "sprig/se-model.h"

G_BEGIN_DECLS

void _se_model_get_backend (SeModel               *model,
                            const SeBackendIface **iface,
                            SeBackendCtx         **ctx);

G_END_DECLS
