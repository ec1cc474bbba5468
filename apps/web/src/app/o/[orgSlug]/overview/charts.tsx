"use client";

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { countOf, formatCount } from "@/lib/format";
import { bucketLabel, formatSeconds, RANGE_LABELS, type Overview } from "@/lib/overview";

// The overview's Recharts charts. Each sits in a box of fixed height (ResponsiveContainer measures its
// parent, which must have one, in headless Chromium too) with role="img" and a name that says what it
// shows; the numbers are also printed beside each chart as text.

const COLORS = { executed: "#059669", denied: "#dc2626", requested: "#d97706", line: "#1c1917", bar: "#57534e", grid: "#e7e5e4", axis: "#78716c" } as const;
const AXIS = { fontSize: 11, fill: COLORS.axis } as const;

export function PostureTrendChart({ points }: { points: Overview["postureTrend"] }) {
  if (points.length < 2) {
    // A new org: say what there is and when the line appears, in a box no taller than its words.
    const only = points[0];
    return (
      <div data-testid="posture-trend-empty" className="rounded-lg border border-dashed border-stone-300 px-4 py-3 text-sm text-stone-600">
        {only ? (
          <p>
            One snapshot so far: <span className="font-semibold text-stone-900 tabular-nums">{only.score}</span> on {only.day.slice(0, 10)}.
          </p>
        ) : (
          <p>No snapshot yet: the worker takes the first within 10 minutes of its start.</p>
        )}
        <p className="mt-1 text-xs text-stone-500">The worker records the score once a day (UTC); the line appears from the second day.</p>
      </div>
    );
  }
  const data = points.map((point) => ({ day: point.day.slice(5, 10), score: point.score }));
  const last = points.at(-1);
  return (
    <div role="img" aria-label={`Posture score per day over the last ${countOf(points.length, "day")}, now ${last?.score ?? "—"}`} className="h-56">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -24 }}>
          <CartesianGrid stroke={COLORS.grid} vertical={false} />
          <XAxis dataKey="day" tick={AXIS} tickLine={false} axisLine={false} minTickGap={16} />
          <YAxis domain={[0, 100]} tick={AXIS} tickLine={false} axisLine={false} />
          <Tooltip />
          <Line type="monotone" dataKey="score" name="Score" stroke={COLORS.line} strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function DecisionsChart({ overview }: { overview: Overview }) {
  const { totals, series, range } = overview;
  const data = series.map((point) => ({ ...point, label: bucketLabel(point.at, range) }));
  return (
    <div className="grid gap-6 md:grid-cols-[1fr_12rem]">
      {totals.decisions === 0 ? (
        <div data-testid="decisions-empty" className="grid h-64 place-items-center rounded-lg border border-dashed border-stone-300 px-6 text-center text-sm text-stone-500">
          No decisions in the last {RANGE_LABELS[range]}. They appear here as agents call Gatehouse.
        </div>
      ) : (
        <div
          role="img"
          aria-label={`Decisions over the last ${RANGE_LABELS[range]}, stacked: ${totals.executed} executed, ${totals.denied} denied, ${totals.requested} sent for approval`}
          data-testid="decisions-chart"
          className="h-64"
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="label" tick={AXIS} tickLine={false} axisLine={false} minTickGap={12} />
              <YAxis allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar dataKey="executed" name="Executed" stackId="decisions" fill={COLORS.executed} isAnimationActive={false} />
              <Bar dataKey="denied" name="Denied" stackId="decisions" fill={COLORS.denied} isAnimationActive={false} />
              <Bar dataKey="requested" name="Sent for approval" stackId="decisions" fill={COLORS.requested} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <dl data-testid="decision-totals" className="grid grid-cols-2 content-start gap-3 md:grid-cols-1">
        <Total label="Decisions" value={totals.decisions} testId="total-decisions" />
        <Total label="Executed" value={totals.executed} color={COLORS.executed} testId="total-executed" />
        <Total label="Denied" value={totals.denied} color={COLORS.denied} testId="total-denied" />
        <Total label="Sent for approval" value={totals.requested} color={COLORS.requested} testId="total-requested" />
      </dl>
    </div>
  );
}

function Total({ label, value, color, testId }: { label: string; value: number; color?: string; testId: string }) {
  return (
    <div className="rounded-lg border border-stone-100 px-3 py-2">
      <dt className="flex items-center gap-1.5 text-xs text-stone-500">
        {color ? <span aria-hidden="true" className="size-2 rounded-full" style={{ backgroundColor: color }} /> : null}
        {label}
      </dt>
      <dd data-testid={testId} className="text-lg font-semibold tabular-nums">
        {formatCount(value)}
      </dd>
    </div>
  );
}

export function ApprovalTimesChart({ times }: { times: Overview["approvalTimes"] }) {
  const facts = (
    <dl className="mt-4 grid grid-cols-4 gap-3 text-sm">
      <Fact label="Median" value={formatSeconds(times.medianSeconds)} testId="approval-median" />
      <Fact label="p90" value={formatSeconds(times.p90Seconds)} testId="approval-p90" />
      <Fact label="Decided" value={formatCount(times.decided)} testId="approval-decided" />
      <Fact label="Expired" value={formatCount(times.expired)} testId="approval-expired" />
    </dl>
  );
  if (times.decided === 0) {
    return (
      <div>
        <div data-testid="approval-times-empty" className="grid h-48 place-items-center rounded-lg border border-dashed border-stone-300 px-6 text-center text-sm text-stone-500">
          {times.expired > 0 ? "No approval was decided in this range; some expired undecided." : "No approval was decided in this range."}
        </div>
        {facts}
      </div>
    );
  }
  return (
    <div>
      <div
        role="img"
        aria-label={`Approvals by time to decision: ${times.decided} decided, median ${formatSeconds(times.medianSeconds)}`}
        data-testid="approval-times-chart"
        className="h-48"
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={times.buckets} margin={{ top: 8, right: 8, bottom: 0, left: -24 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis dataKey="label" tick={AXIS} tickLine={false} axisLine={false} interval={0} />
            <YAxis allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} />
            <Tooltip />
            <Bar dataKey="count" name="Approvals" fill={COLORS.bar} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {facts}
    </div>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-xs text-stone-500">{label}</dt>
      <dd data-testid={testId} className="font-semibold tabular-nums">
        {value}
      </dd>
    </div>
  );
}
