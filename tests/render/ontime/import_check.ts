// Runs Ontime's own spreadsheet import on an .xlsx and prints what it makes, as JSON.
// Used by tests/render/test_ontime.py::test_ontimes_own_parser when LQPLAN_ONTIME_SRC names a
// checkout of github.com/cpvalente/ontime with esbuild, xlsx@0.18.5 (Ontime's SheetJS), nanoid
// and deepmerge-ts in its node_modules. The file is read as excel.service.ts reads it, with the
// import map the import dialog sends by default (importMapUtils.ts) plus the custom fields named
// on the command line: node import_check.cjs FILE [CUSTOM FIELD ...]
import xlsx from 'xlsx';

import { parseExcel } from './apps/server/src/api-data/excel/excel.parser.ts';
import { getWorksheetMetadataFromRows } from './apps/server/src/api-data/excel/spreadsheetMetadata.utils.ts';

const [file, ...custom] = process.argv.slice(2);
const worksheet = 'event schedule';
const book = xlsx.readFile(file, { cellDates: true, cellFormula: false });
const rows = xlsx.utils.sheet_to_json(book.Sheets[worksheet], { header: 1, blankrows: false, raw: false });
const importMap = {
  worksheet,
  flag: 'flag',
  timeStart: 'time start',
  linkStart: 'link start',
  timeEnd: 'time end',
  duration: 'duration',
  cue: 'cue',
  title: 'title',
  countToEnd: 'count to end',
  skip: 'skip',
  note: 'notes',
  colour: 'colour',
  endAction: 'end action',
  timerType: 'timer type',
  timeWarning: 'warning time',
  timeDanger: 'danger time',
  id: 'id',
  custom: Object.fromEntries(custom.map((name) => [name, name])),
};
const metadata = getWorksheetMetadataFromRows(worksheet, rows as unknown[][]);
const parsed = parseExcel(rows as unknown[][], {}, worksheet, importMap);
console.log(JSON.stringify({ sheets: book.SheetNames, headers: metadata.headers, ...parsed }));
