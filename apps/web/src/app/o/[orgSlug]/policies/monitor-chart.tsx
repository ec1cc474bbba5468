"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { countOf } from "@/lib/format";
import type { PolicyMonitor } from "@/lib/policies";

// "What monitor mode would have blocked": per UTC day, the decisions a monitor-mode policy (or the
// org's report-only trial) let through that it would otherwise have denied or held for approval.

const AXIS = { fontSize: 11, fill: "#78716c" } as const;

export function WouldBlockChart({ monitor }: { monitor: PolicyMonitor }) {
  const total = monitor.series.reduce((sum, point) => sum + point.wouldBlock, 0);
  if (total === 0) {
    return (
      <div data-testid="would-block-empty" className="grid h-48 place-items-center rounded-lg border border-dashed border-stone-300 px-6 text-center text-sm text-stone-500">
        Nothing would have been blocked in the last {countOf(monitor.days, "day")}.
      </div>
    );
  }
  const data = monitor.series.map((point) => ({ day: point.at.slice(5, 10), wouldBlock: point.wouldBlock }));
  return (
    <div
      role="img"
      aria-label={`Decisions monitor mode would have blocked per day over the last ${countOf(monitor.days, "day")}: ${total} in all`}
      data-testid="would-block-chart"
      className="h-48"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid stroke="#e7e5e4" vertical={false} />
          <XAxis dataKey="day" tick={AXIS} tickLine={false} axisLine={false} minTickGap={12} />
          <YAxis allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} />
          <Tooltip />
          <Bar dataKey="wouldBlock" name="Would have blocked" fill="#d97706" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
