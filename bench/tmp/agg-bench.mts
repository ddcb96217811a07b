import { benchAggregation } from '../aggregation';
import { renderTable } from '../table';

const rows = await benchAggregation(Number(process.argv[2] ?? 100000));
console.log(renderTable(rows));
