export { JOURNAL_RECORD_VERSION, foldJournal, type StepRecord } from './records';
export { JournalDefaults } from './journal-writer';
export { loadRunState, saveRunState } from './run-store';
