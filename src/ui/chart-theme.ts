// Series colours that read on both themes (SVG fills cannot use the CSS variables reliably); axis text and
// grid lines take the theme's colours from PrunePanels.css.
export const SERIES = ['#0f9d8f', '#e07b39', '#6f5bd6', '#d6457a', '#3b82c4', '#8a9a2b'];
export const REQUESTED = '#94a3b8';
export const ACHIEVED = '#0f9d8f';
export const BEFORE = '#e07b39';
export const AFTER = '#6f5bd6';
