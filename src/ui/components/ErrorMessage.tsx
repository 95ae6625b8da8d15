// A problem the person must act on, announced to assistive technology (role=alert), never a browser alert().
interface Props {
  message: string | null;
  title?: string;
  testId?: string;
}

export function ErrorMessage({ message, title, testId }: Props) {
  if (!message) return null;
  return (
    <div className="error-message" role="alert" data-testid={testId}>
      {title ? <strong>{title} </strong> : null}
      {message}
    </div>
  );
}
