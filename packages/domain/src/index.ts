export {
  type ComponentCheck,
  type ComponentStatus,
  OPTIONAL_COMPONENTS,
  type ReadinessReport,
  type ReadinessStatus,
  summarizeReadiness,
} from './health.ts';
