/**
 * Charts for reports, rendered to SVG strings in Node by ECharts' server-side renderer (no DOM, no
 * browser). Every chart is a plain function of its data, so reports are reproducible.
 */
import * as echarts from "echarts";

export const COLORS = [
  "#4e79a7",
  "#e15759",
  "#59a14f",
  "#f28e2b",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
];

export type Fmt = (v: number) => string;

/** Render an ECharts option to an SVG string (animation off; the instance is disposed). */
export function renderSvg(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: "sans-serif" }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const titleStyle = { fontSize: 13, fontWeight: "bold" as const };

/** A whisker from (x, lo) to (x, hi) in data coordinates, vertical or horizontal. */
function whiskers(horizontal: boolean): echarts.CustomSeriesOption["renderItem"] {
  return (_params, api) => {
    const cat = api.value(0) as number;
    const lo = api.value(1) as number;
    const hi = api.value(2) as number;
    const p1 = horizontal ? api.coord([lo, cat]) : api.coord([cat, lo]);
    const p2 = horizontal ? api.coord([hi, cat]) : api.coord([cat, hi]);
    const cap = 5;
    const style = { stroke: "#222", lineWidth: 1.2 };
    const line = (x1: number, y1: number, x2: number, y2: number) => ({
      type: "line" as const,
      shape: { x1, y1, x2, y2 },
      style,
    });
    const children = horizontal
      ? [
          line(p1[0]!, p1[1]!, p2[0]!, p2[1]!),
          line(p1[0]!, p1[1]! - cap, p1[0]!, p1[1]! + cap),
          line(p2[0]!, p2[1]! - cap, p2[0]!, p2[1]! + cap),
        ]
      : [
          line(p1[0]!, p1[1]!, p2[0]!, p2[1]!),
          line(p1[0]! - cap, p1[1]!, p1[0]! + cap, p1[1]!),
          line(p2[0]! - cap, p2[1]!, p2[0]! + cap, p2[1]!),
        ];
    return { type: "group", children };
  };
}

/**
 * A label short enough for an axis or a legend: long ones (a patch's path) keep their side's
 * letter and their end, where paths and file names differ ("A: …reclaim-one-page.ts").
 */
export function chartLabel(label: string, max = 24): string {
  if (label.length <= max) return label;
  const side = /^([AB]): /.exec(label);
  const head = side ? `${side[1]}: ` : "";
  return `${head}…${label.slice(label.length - (max - head.length - 1))}`;
}

export interface BarWithCi {
  label: string;
  mean: number;
  low: number | null;
  high: number | null;
}

/** Vertical bars (one per group, e.g. A and B) with their 95% intervals as error bars. */
export function barsWithCi(title: string, bars: BarWithCi[], fmt: Fmt, width = 300, height = 220): string {
  const whisk = bars.flatMap((b, i) => (b.low === null || b.high === null ? [] : [[i, b.low, b.high]]));
  return renderSvg(
    {
      title: { text: title, left: "center", textStyle: titleStyle },
      grid: { left: 70, right: 16, top: 44, bottom: 28 },
      xAxis: {
        type: "category",
        data: bars.map((b) => chartLabel(b.label, Math.floor(40 / bars.length))),
        axisLabel: { interval: 0, fontSize: 11 },
      },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt(v) }, scale: false },
      series: [
        {
          type: "bar",
          barWidth: "45%",
          data: bars.map((b, i) => ({ value: b.mean, itemStyle: { color: COLORS[i % COLORS.length] } })),
        },
        // encode: the whiskers' ends count in the value axis' extent, so they stay inside the grid.
        { type: "custom", renderItem: whiskers(false), data: whisk, encode: { x: 0, y: [1, 2] }, z: 10 },
      ],
    },
    width,
    height,
  );
}

export interface Change {
  label: string;
  /** Relative change of the mean in percent, and its interval. */
  pct: number;
  low: number | null;
  high: number | null;
}

/**
 * Relative changes (B vs A, %) with their 95% intervals: one row per metric, each on its own scale
 * (from 0 to the farthest of the change and its interval), so a -3.5% change stays as visible as
 * a +1260% one beside it; the value is written at the end of its bar.
 */
export function relativeChanges(rows: Change[], width = 760): string {
  return rows.map((r) => relativeChangeRow(r, width)).join("\n");
}

function relativeChangeRow(r: Change, width: number): string {
  const ends = [0, r.pct, ...(r.low === null ? [] : [r.low]), ...(r.high === null ? [] : [r.high])];
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const pad = (hi - lo || 1) * 0.08;
  const fmtPct = (v: number) => `${v > 0 ? "+" : ""}${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)}%`;
  const whisk = r.low === null || r.high === null ? [] : [[0, r.low, r.high]];
  return renderSvg(
    {
      grid: { left: 250, right: 70, top: 6, bottom: 22 },
      yAxis: { type: "category", data: [chartLabel(r.label, 38)], axisLabel: { fontSize: 11 } },
      xAxis: {
        type: "value",
        min: lo < 0 ? lo - pad : 0,
        max: hi > 0 ? hi + pad : 0,
        splitNumber: 3,
        // The padded ends are not round numbers: only the ticks are labelled.
        axisLabel: {
          fontSize: 10,
          showMinLabel: lo >= 0,
          showMaxLabel: hi <= 0,
          formatter: (v: number) => fmtPct(v),
        },
      },
      series: [
        {
          type: "bar",
          barWidth: "55%",
          data: [{ value: r.pct, itemStyle: { color: r.pct >= 0 ? COLORS[1] : COLORS[0] } }],
          label: {
            show: true,
            position: r.pct >= 0 ? "right" : "left",
            fontSize: 11,
            formatter: () => fmtPct(r.pct),
          },
        },
        { type: "custom", renderItem: whiskers(true), data: whisk, encode: { y: 0, x: [1, 2] }, z: 10 },
      ],
    },
    width,
    52,
  );
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  step?: boolean;
  symbol?: boolean;
}

/** Lines over a numeric x axis (CDFs, timelines). */
export function lines(
  title: string,
  series: LineSeries[],
  axes: { x: string; y: string; xFmt?: Fmt; yFmt?: Fmt; yMin?: number; yMax?: number },
  width = 560,
  height = 280,
): string {
  return renderSvg(
    {
      title: { text: title, left: "center", textStyle: titleStyle },
      legend: { top: 28, data: series.map((s) => chartLabel(s.name, 40)) },
      grid: { left: 76, right: 24, top: 64, bottom: 44 },
      xAxis: {
        type: "value",
        name: axes.x,
        nameLocation: "middle",
        nameGap: 26,
        scale: true,
        axisLabel: axes.xFmt ? { formatter: (v: number) => axes.xFmt!(v) } : {},
      },
      yAxis: {
        type: "value",
        name: axes.y,
        nameLocation: "middle",
        nameGap: 56,
        min: axes.yMin,
        max: axes.yMax,
        axisLabel: axes.yFmt ? { formatter: (v: number) => axes.yFmt!(v) } : {},
      },
      series: series.map((s) => ({
        type: "line" as const,
        name: chartLabel(s.name, 40),
        data: s.points,
        step: s.step ? ("end" as const) : false,
        showSymbol: s.symbol ?? false,
        symbolSize: 6,
        lineStyle: { width: 1.8 },
      })),
    },
    width,
    height,
  );
}

export interface BandSeries {
  name: string;
  mean: number[];
  low: (number | null)[];
  high: (number | null)[];
}

/** Lines over categories (the values of a swept key) with shaded 95% interval bands. */
export function bandLines(
  title: string,
  xName: string,
  categories: string[],
  series: BandSeries[],
  fmt: Fmt,
  width = 420,
  height = 260,
): string {
  const out: echarts.SeriesOption[] = [];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const stack = `band${i}`;
    out.push({
      type: "line",
      name: `${s.name} low`,
      stack,
      data: s.low.map((v, j) => v ?? s.mean[j]!),
      lineStyle: { opacity: 0 },
      showSymbol: false,
      silent: true,
    });
    out.push({
      type: "line",
      name: `${s.name} 95% CI`,
      stack,
      data: s.high.map((v, j) => (v ?? s.mean[j]!) - (s.low[j] ?? s.mean[j]!)),
      lineStyle: { opacity: 0 },
      areaStyle: { color, opacity: 0.2 },
      showSymbol: false,
      silent: true,
    });
    out.push({
      type: "line",
      name: s.name,
      data: s.mean,
      itemStyle: { color },
      lineStyle: { color, width: 2 },
      showSymbol: true,
      symbolSize: 5,
    });
  });
  return renderSvg(
    {
      title: { text: title, left: "center", textStyle: titleStyle },
      legend: series.length > 1 ? { top: 28, data: series.map((s) => s.name) } : undefined,
      grid: { left: 70, right: 20, top: series.length > 1 ? 64 : 40, bottom: 44 },
      xAxis: {
        type: "category",
        data: categories,
        name: xName,
        nameLocation: "middle",
        nameGap: 26,
        boundaryGap: false,
      },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt(v) } },
      series: out,
    },
    width,
    height,
  );
}

/** A heatmap of a metric over two swept keys, each cell labeled with its value. */
export function heatmap(
  title: string,
  x: { name: string; values: string[] },
  y: { name: string; values: string[] },
  cells: [xi: number, yi: number, v: number][],
  fmt: Fmt,
  width = 520,
  height = 300,
): string {
  const vs = cells.map((c) => c[2]);
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  return renderSvg(
    {
      title: { text: title, left: "center", textStyle: titleStyle },
      grid: { left: 90, right: 20, top: 36, bottom: 84 },
      xAxis: { type: "category", data: x.values, name: x.name, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", data: y.values, name: y.name, nameLocation: "middle", nameGap: 60 },
      visualMap: {
        min,
        max: max > min ? max : min + 1,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 4,
        itemHeight: 160,
        text: [fmt(max), fmt(min)],
        inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] },
        formatter: (v: unknown) => fmt(Number(v)),
      },
      series: [
        {
          type: "heatmap",
          data: cells,
          label: {
            show: true,
            fontSize: 10,
            formatter: (p: { value?: unknown }) => fmt((p.value as number[])[2]!),
          },
        },
      ],
    },
    width,
    height,
  );
}
