// Entry module of the pages without a meeting (start page, not found):
// they only need translation and the language switch.
import { initI18n } from './i18n.js';

initI18n();
