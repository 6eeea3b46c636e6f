/** lib/native: the binary's loader and its typed contract; nothing else imports the addon. */
export * from './contract';
export { native } from './addon';
