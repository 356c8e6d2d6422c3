import nodemailer from 'nodemailer';
import type { Config } from '../config.js';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * SMTP when SMTP_URL is set; otherwise messages are written to the log, so that a demo or a test machine sends
 * nothing by accident.
 */
export function createMailer(config: Config, log: (line: string) => void = console.log): Mailer {
  const transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(message) {
      const info = await transport.sendMail({ from: config.mailFrom, to: message.to, subject: message.subject, text: message.text });
      if (!config.smtpUrl) log(`Courriel non envoyé (SMTP_URL absent) à ${message.to.join(', ')} : ${message.subject} [${String(info.messageId)}]\n${message.text}`);
    },
  };
}

/** Keeps messages in memory instead of sending them: the tests' local capture. */
export function captureMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return { sent, send: async (message) => void sent.push(message) };
}
