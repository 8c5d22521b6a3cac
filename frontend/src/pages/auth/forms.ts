import * as yup from "yup";

export const PASSWORD_MIN = 10;

export const signInSchema = yup.object({
  email: yup.string().trim().email("Enter a valid email").required("Enter your email"),
  password: yup.string().required("Enter your password"),
});

export const registerSchema = yup.object({
  name: yup.string().trim().required("Enter your name").max(200),
  organization_name: yup.string().trim().required("Name your organization").max(200),
  email: yup.string().trim().email("Enter a valid email").required("Enter your email"),
  password: yup
    .string()
    .required("Choose a password")
    .min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`)
    .max(256),
});

export const acceptSchema = yup.object({
  name: yup.string().trim().max(200).default(""),
  password: yup
    .string()
    .required("Choose a password")
    .min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`)
    .max(256),
});
