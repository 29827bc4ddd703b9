import { buildApp } from './buildApp.js';

try {
  buildApp().app.synth();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
