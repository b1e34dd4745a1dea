/** Skips the compile step: for running unit tests that start no subprocess while others edit. */
export default function noopSetup(): void {}
