/* SPDX-License-Identifier: Apache-2.0
 *
 * Causal attention of one query head of one token over the fp16 cache rows 0 .. pos0 +
 * t of its layer (GQA: kv head h / group). One workgroup per (head, token) walks the
 * keys in chunks of WG with a running max and sum (online softmax), so any context
 * length works without scratch memory. head_dim <= 4 * WG.
 */
#version 450

#define WG 64u

layout (local_size_x = 64) in;

layout (std430, binding = 0) readonly buffer Q { float q[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
layout (std430, binding = 4) readonly buffer KCache { uint kc[]; };
layout (std430, binding = 5) readonly buffer VCache { uint vc[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;

layout (push_constant) uniform Params
{
  uint n_head;
  uint head_dim;
  uint group;       /* n_head / n_head_kv */
  uint kv_width;
  float scale;
} p;

shared float qh[4u * WG];
shared float sc[WG];
shared float red[WG];

float
se_half (uint h)
{
  uint sign = (h & 0x8000u) << 16;
  uint e = (h >> 10) & 0x1fu;
  uint m = h & 0x3ffu;

  if (e == 0u)
    {
      float f = float (m) * 5.9604644775390625e-8;
      return sign != 0u ? -f : f;
    }
  if (e == 31u)
    return uintBitsToFloat (sign | 0x7f800000u | (m << 13));
  return uintBitsToFloat (sign | ((e + 112u) << 23) | (m << 13));
}

float
reduce (float v, bool is_max)
{
  uint tid = gl_LocalInvocationID.x;
  float r;

  red[tid] = v;
  barrier ();
  for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
      if (tid < s)
        red[tid] = is_max ? max (red[tid], red[tid + s]) : red[tid] + red[tid + s];
      barrier ();
    }
  r = red[0];
  barrier ();
  return r;
}

void
main ()
{
  uint h = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint hd = p.head_dim, q_width = p.n_head * hd;
  uint n_keys = host.pos0 + t + 1u;
  uint kv_off = (h / p.group) * hd;        /* in halves, within a row */
  float m_run = -3.0e38, l_run = 0.0;
  float o[4] = float[4] (0.0, 0.0, 0.0, 0.0);

  for (uint i = tid; i < hd; i += WG)
    qh[i] = q[t * q_width + h * hd + i];
  barrier ();
  for (uint c0 = 0u; c0 < n_keys; c0 += WG)
    {
      uint j = c0 + tid, n_c = min (WG, n_keys - c0);
      float s = -3.0e38, m_new, alpha, pj = 0.0;

      if (j < n_keys)
        {
          uint base = (j * p.kv_width + kv_off) / 2u;
          float dot = 0.0;

          for (uint i = 0u; i < hd / 2u; i++)
            {
              uint kk = kc[base + i];
              dot += qh[2u * i] * se_half (kk & 0xffffu) + qh[2u * i + 1u] * se_half (kk >> 16);
            }
          s = dot * p.scale;
        }
      m_new = max (m_run, reduce (s, true));
      alpha = exp (m_run - m_new);
      if (j < n_keys)
        pj = exp (s - m_new);
      sc[tid] = pj;
      l_run = l_run * alpha + reduce (pj, false);  /* the barrier in reduce publishes sc */
      for (uint k = 0u; k < 4u; k++)
        {
          uint i = tid + k * WG;
          float acc = 0.0;

          if (i >= hd)
            break;
          for (uint jj = 0u; jj < n_c; jj++)
            {
              uint idx = (c0 + jj) * p.kv_width + kv_off + i;
              acc += sc[jj] * se_half ((vc[idx >> 1] >> ((idx & 1u) * 16u)) & 0xffffu);
            }
          o[k] = o[k] * alpha + acc;
        }
      m_run = m_new;
      barrier ();  /* sc is rewritten by the next chunk */
    }
  for (uint k = 0u; k < 4u; k++)
    if (tid + k * WG < hd)
      y[t * q_width + h * hd + tid + k * WG] = o[k] / l_run;
}
