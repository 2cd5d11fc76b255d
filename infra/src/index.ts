export {
  appPermissions,
  buildTemplate,
  OLDEST_MESSAGE_ALARM_SECONDS,
  type Template,
} from './cloudformation.ts';
