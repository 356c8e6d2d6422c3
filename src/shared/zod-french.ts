import { z } from 'zod';

// Validation messages are read by users (API answers, the items file check): zod's own French locale.
z.config(z.locales.fr());
