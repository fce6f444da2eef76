/**
 * Renders bar charts to PNG in-process: Chart.js drawing on a Skia canvas (@napi-rs/canvas,
 * whose binary comes from npm), with Noto Sans SC from npm for the Chinese labels — nothing
 * from the system. Several panels are stacked into one image with a few lines of text under
 * them, because one image is one customer-service message.
 */
import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem } from 'chart.js';

export interface BarPanel {
  title: string;
  labels: string[];
  /** `null` leaves a gap (e.g. the holdout's click rate: it got no link). */
  datasets: { label: string; data: (number | null)[]; color: string }[];
  /** Stack the datasets in one bar per label (fans by tier) instead of side by side. */
  stacked?: boolean;
  /** Unit after each value label, e.g. '%'. */
  unit?: string;
}

export interface ChartImage {
  panels: BarPanel[];
  /** Plain lines printed under the panels. */
  notes?: string[];
}

const FONT = 'Noto Sans SC';
const WIDTH = 900;
const PANEL_HEIGHT = 420;
const NOTE_LINE = 30;
const PADDING = 24;

let ready = false;

/** Registers Chart.js's parts and the CJK font once per process. */
function prepare(): void {
  if (ready) {
    return;
  }
  const require = createRequire(import.meta.url);
  GlobalFonts.registerFromPath(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'), FONT);
  Chart.register(...registerables);
  Chart.defaults.font.family = FONT;
  Chart.defaults.font.size = 15;
  Chart.defaults.color = '#333';
  ready = true;
}

/** The PNG bytes of `image`. */
export function renderChartImage(image: ChartImage): Buffer {
  prepare();
  const notes = image.notes ?? [];
  const height = image.panels.length * PANEL_HEIGHT + (notes.length > 0 ? notes.length * NOTE_LINE + PADDING * 2 : PADDING);
  const canvas = createCanvas(WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, WIDTH, height);
  image.panels.forEach((panel, i) => {
    drawPanel(panel, (drawn) => ctx.drawImage(drawn, 0, i * PANEL_HEIGHT));
  });
  ctx.fillStyle = '#333';
  ctx.font = `17px "${FONT}"`;
  notes.forEach((line, i) => {
    ctx.fillText(line, PADDING, image.panels.length * PANEL_HEIGHT + PADDING + (i + 0.75) * NOTE_LINE, WIDTH - PADDING * 2);
  });
  return canvas.toBuffer('image/png');
}

/** Draws `panel` on its own canvas and hands it to `use` before Chart.js is torn down (which clears it). */
function drawPanel(panel: BarPanel, use: (drawn: Canvas) => void): void {
  const canvas = createCanvas(WIDTH, PANEL_HEIGHT);
  const ctx = canvas.getContext('2d');
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: panel.labels,
      datasets: panel.datasets.map((set) => ({ label: set.label, data: set.data, backgroundColor: set.color })),
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      layout: { padding: { left: PADDING, right: PADDING, top: 8, bottom: 8 } },
      plugins: { title: { display: true, text: panel.title, font: { size: 20 } }, legend: { position: 'top' } },
      scales: {
        x: { stacked: panel.stacked ?? false },
        y: {
          stacked: panel.stacked ?? false,
          beginAtZero: true,
          grace: '12%',
          ticks: { callback: (value) => `${value}${panel.unit ?? ''}` },
        },
      },
    },
    plugins: [valueLabels(panel)],
  };
  // Chart.js draws on any 2D context with the browser's API, which Skia's context provides.
  const chart = new Chart(ctx as unknown as ChartItem, config);
  try {
    use(canvas);
  } finally {
    chart.destroy();
  }
}

/** Writes each bar's value above it (stacked charts: the total above the stack), so the image reads without the axis. */
function valueLabels(panel: BarPanel) {
  return {
    id: 'valueLabels',
    afterDatasetsDraw(chart: Chart<'bar'>) {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      ctx.save();
      ctx.fillStyle = '#111';
      ctx.font = `14px "${FONT}"`;
      ctx.textAlign = 'center';
      const last = panel.datasets.length - 1;
      panel.datasets.forEach((set, d) => {
        if (panel.stacked && d !== last) {
          return;
        }
        chart.getDatasetMeta(d).data.forEach((bar, i) => {
          const value = panel.stacked ? panel.datasets.reduce((sum, s) => sum + (s.data[i] ?? 0), 0) : set.data[i];
          if (value === null || value === undefined) {
            return;
          }
          ctx.fillText(`${formatValue(value)}${panel.unit ?? ''}`, bar.x, bar.y - 6);
        });
      });
      ctx.restore();
    },
  };
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
