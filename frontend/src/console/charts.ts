// Chart.js with only the parts the statistics use (bar charts), registered once. The
// console imports this module dynamically, so the chart code is its own chunk and a
// farmer's phone never downloads it.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip)

export { Chart }
