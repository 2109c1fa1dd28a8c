/** The dashboard's API client builds its paths from the contract's routes. */
import { describe, expect, it } from 'vitest';
import { routes } from '../../contract/api.js';
import { routePath } from './helper-api.js';

describe('routePath', () => {
  it('fills the contract paths the dashboard calls', () => {
    expect(routePath(routes.runJob, { name: 'graduation' })).toBe('/api/v1/jobs/graduation/run');
    expect(routePath(routes.cancelRun, { id: 7 })).toBe('/api/v1/runs/7/cancel');
    expect(routePath(routes.undoGraduationRun, { id: 12 })).toBe('/api/v1/graduation/runs/12/undo');
    expect(routePath(routes.status)).toBe('/api/v1/status');
  });
  it('encodes a parameter so it stays one path segment', () => {
    expect(routePath(routes.runJob, { name: '../x?y' })).toBe('/api/v1/jobs/..%2Fx%3Fy/run');
  });
  it('refuses a missing parameter', () => {
    expect(() => routePath(routes.runJob)).toThrow('needs the parameter name');
  });
});
