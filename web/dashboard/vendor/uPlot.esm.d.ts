// Types for the uPlot build served at dashboard/vendor/uPlot.esm.js (from node_modules/uplot/dist).
import uPlot from 'uplot';

export default uPlot;
