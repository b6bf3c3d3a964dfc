/** One line of a series chart (lib/ owns the data shape; components/charts draws it). */
export interface XY {
  x: number;
  y: number | null;
}

export interface Line {
  label: string;
  color: string;
  points: XY[];
  /** A shaded band (min/max of decimated buckets, or mean ± std over seeds). */
  band?: { x: number; lo: number | null; hi: number | null }[];
  width?: number;
  /** false: drawn, but not listed in the legend (e.g. a group's individual seed curves). */
  legend?: boolean;
}
