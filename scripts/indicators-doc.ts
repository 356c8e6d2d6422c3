import { renderIndicatorsDoc } from '../src/pilotage/domain/dictionary-doc.js';

process.stdout.write(renderIndicatorsDoc());
